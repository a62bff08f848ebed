"""No function in ``src`` is over cyclomatic complexity 20 (issue 16), checked with
ruff's mccabe rule C901 at that bound (the import path is held to 15 by
``test_import_complexity``). By hand:

    ruff check --select C901 --config 'lint.mccabe.max-complexity = 20' src
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "cospiral"


def test_no_function_is_over_20():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "C901", "--no-cache",
         "--config", "lint.mccabe.max-complexity = 20", "--output-format", "concise", str(SRC)],
        capture_output=True, text=True, cwd=SRC.parents[1])
    assert result.returncode == 0, result.stdout + result.stderr
