"""Writing a package deterministically: cells, CSV files (fixed column order, LF line
endings) and the descriptor (stable JSON, sorted keys)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from cospiral.domain.package.resources import CODEBOOK, FORMAT, RESOURCES, Resource


def cell(value: object) -> str:
    """One value as text, always the same way."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        raise TypeError("timestamps are not published")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(resource: Resource, rows: Iterable[Sequence[object]]) -> bytes:
    """The resource's CSV: header, then the rows (already in their published order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(resource.columns)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(*, name: str, title: str, created: str, territory: dict[str, Any],
               files: dict[str, bytes]) -> bytes:
    """The ``datapackage.json`` for these CSV files (one per resource)."""
    body = {
        "profile": "data-package",
        "name": name,
        "title": title,
        "created": created,
        "cospiral": {"format": FORMAT, "territory": territory, "codebook": CODEBOOK},
        "resources": [
            {"name": r.name, "path": r.path, "profile": "tabular-data-resource", "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8", "description": r.description,
             "bytes": len(files[r.path]), "hash": sha256(files[r.path]), "schema": r.schema()}
            for r in RESOURCES
        ],
    }
    return (json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")
