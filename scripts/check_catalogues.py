"""Fail when a translation catalogue is incomplete or its committed .mo is stale.

For each locale: no untranslated or fuzzy message (msgfmt --statistics), and the
committed django.mo equals a fresh compilation of django.po.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[1] / "src" / "cospiral" / "locale"


def main() -> int:
    failures = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
        with tempfile.TemporaryDirectory() as tmp:
            mo = Path(tmp) / "django.mo"
            out = subprocess.run(
                ["msgfmt", "--check", "--statistics", "-o", str(mo), str(po)],
                capture_output=True, text=True,
            )
            stats = (out.stderr or out.stdout).strip()
            if out.returncode != 0:
                failures.append(f"{po}: msgfmt failed: {stats}")
                continue
            if "untranslated" in stats or "fuzzy" in stats:
                failures.append(f"{po}: incomplete: {stats}")
            committed = po.with_suffix(".mo")
            if not committed.exists() or committed.read_bytes() != mo.read_bytes():
                failures.append(f"{committed}: stale, run `cospiral compilemessages`")
    if not list(LOCALE.glob("*/LC_MESSAGES/django.po")):
        failures.append(f"no catalogues under {LOCALE}")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
