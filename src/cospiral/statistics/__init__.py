"""The statistics pages of a territory, a group and a network (``/statistics/``).

Python started from inside ``src/cospiral`` (``python -c`` or a script there) puts this
directory first on ``sys.path``, so ``import statistics`` (the standard library's, which
Django's SQLite backend uses) would find this package. Then it loads the standard
library's module in its place; imported as ``cospiral.statistics`` nothing happens."""

if __name__ == "statistics":  # pragma: no cover - only when src/cospiral is sys.path[0]
    import importlib.util
    import sys
    import sysconfig
    from pathlib import Path

    _spec = importlib.util.spec_from_file_location(
        "statistics", Path(sysconfig.get_paths()["stdlib"]) / "statistics.py")
    assert _spec is not None and _spec.loader is not None
    _stdlib = importlib.util.module_from_spec(_spec)
    sys.modules["statistics"] = _stdlib
    _spec.loader.exec_module(_stdlib)
