"""Fail when a template references a static file that the collected static files lack.

Run after `cospiral collectstatic` with COSPIRAL_STATIC_MANIFEST=1: Django's manifest
storage then knows every collected file, and ``stored_name`` raises for a file that is
not there. Every template of the installed package is scanned for ``{% static '...' %}``.
"""

import re
import sys
from pathlib import Path

import django

STATIC_TAG = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]""")


def main() -> int:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage

    import cospiral

    package = Path(cospiral.__file__).resolve().parent
    if not settings.COSPIRAL_STATIC_MANIFEST:
        print("check_static: set COSPIRAL_STATIC_MANIFEST=1", file=sys.stderr)
        return 2
    referenced: dict[str, list[Path]] = {}
    for template in package.rglob("templates/**/*.html"):
        for name in STATIC_TAG.findall(template.read_text(encoding="utf-8")):
            referenced.setdefault(name, []).append(template.relative_to(package))
    missing = []
    for name, templates in sorted(referenced.items()):
        try:
            staticfiles_storage.stored_name(name)
        except ValueError:
            missing.append(f"{name} (referenced by {', '.join(map(str, templates))})")
    for line in missing:
        print(f"missing static file: {line}", file=sys.stderr)
    if not referenced:
        print("check_static: no template references a static file?", file=sys.stderr)
        return 1
    print(f"check_static: {len(referenced)} static files referenced by templates, "
          f"{len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
