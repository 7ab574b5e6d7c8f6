import os
import subprocess
import sys

import pytest
from django.conf import settings


def _manage(*args, **env):
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "env, named",
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "mysql://db/x"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://cache"}, "REDIS_URL"),
        ({"DEBUG": "off"}, "SECRET_KEY"),
        ({"DEBUG": "off", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS"),
        ({"SESSION_COOKIE_AGE": "eight hours"}, "SESSION_COOKIE_AGE"),
        ({"CHRONIC_LOSS_YEARS": "1"}, "CHRONIC_LOSS_YEARS"),
    ],
)
def test_a_bad_environment_stops_manage_py_with_one_line_naming_the_variable(env, named):
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reformdash: configuration error:") and named in lines[0]


def test_with_nothing_set_manage_py_check_passes():
    result = _manage("check")
    assert result.returncode == 0, result.stderr
