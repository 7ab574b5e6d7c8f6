"""The layering of issue 16, read from the code by import-linter (pyproject.toml
[tool.importlinter]): the project shell on top, then demo, api, the pages (imports, assessments,
trail), indicators, dossiers, units, audit, jobs, and reformdash.lib at the bottom, importing no
app. An import upwards fails here, even one inside a function."""

import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def _lint_imports():
    # The venv's own script first: pytest may run without the venv's bin/ on PATH.
    return shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")


def test_no_module_imports_a_layer_above_its_own():
    command = _lint_imports()
    assert command, "lint-imports is missing: pip install -e '.[dev]' installs import-linter."
    # --no-cache: no .import_linter_cache left in the working tree.
    run = subprocess.run([command, "--no-cache"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
