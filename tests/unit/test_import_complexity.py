"""No function of the import path is over cyclomatic complexity 15 (issue 14), checked
with ruff's mccabe rule C901 (``max-complexity = 15`` in pyproject.toml). By hand:

    ruff check --select C901 src/cospiral/core/imports src/cospiral/core/tabular.py \\
        src/cospiral/cards/services.py src/cospiral/grid/services.py \\
        src/cospiral/grid/imports.py src/cospiral/network/imports.py \\
        src/cospiral/surveys/imports.py src/cospiral/actions/tabular.py \\
        src/cospiral/actions/services.py src/cospiral/network/services.py \\
        src/cospiral/domain/plan_table.py src/cospiral/domain/survey.py src/cospiral/domain/grid.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "cospiral"
IMPORT_PATH = [
    "core/imports", "core/tabular.py", "cards/services.py", "grid/services.py",
    "grid/imports.py", "network/imports.py",
    "surveys/imports.py", "actions/tabular.py", "actions/services.py", "network/services.py",
    "domain/plan_table.py", "domain/survey.py", "domain/grid.py",
]


def test_no_function_of_the_import_path_is_over_15():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "C901", "--no-cache",
         "--output-format", "concise", *(str(SRC / p) for p in IMPORT_PATH)],
        capture_output=True, text=True, cwd=SRC.parents[1])
    assert result.returncode == 0, result.stdout + result.stderr
