"""The real settings module read by a fresh Python process that has only the environment a test
gives it (PATH and HOME aside): what a deployment with those variables would get."""

import json
import os
import subprocess
import sys

from django.conf import settings


def python(args, *, timeout=120, **env):
    """`python args` in the project's root, with `env` as the whole environment."""
    base = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "reformdash.settings",
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def printed(script, **env):
    """The JSON that `script` prints on its last line, run as `python -c` with `env`."""
    result = python(["-c", script], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
