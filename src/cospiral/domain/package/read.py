"""Reading and validating a package (``validate``): the descriptor's JSON and profile,
each resource's schema, hash and size, every cell against its field, primary and
foreign keys. Errors are ``PackageError`` values."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cospiral.domain.package.resources import (
    DESCRIPTOR,
    FORMAT,
    MAX_CELL,
    MAX_DEPTH,
    RESOURCES,
    SLUG,
    Field,
    Resource,
)
from cospiral.domain.package.write import sha256

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_depth(text: str, limit: int) -> int:
    """The nesting depth of the JSON ``text`` (brackets outside strings), counted without
    parsing and without recursion; stops as soon as it passes ``limit``."""
    depth = deepest = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif token in "]}":
            depth -= 1
    return deepest


def load_json(text: str, limit: int) -> Any:
    """``json.loads(text)``, refusing (ValueError) a nesting deeper than ``limit`` before
    any recursion could run out."""
    if json_depth(text, limit) > limit:
        raise ValueError("too deep")
    return json.loads(text)

@dataclass(frozen=True)
class PackageError:
    file: str
    line: int | None
    column: str | None
    what: str  # a key of the caller's message table
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Package:
    descriptor: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]  # resource name → typed rows

    @property
    def territory(self) -> dict[str, Any]:
        territory: dict[str, Any] = self.descriptor["cospiral"]["territory"]
        return territory


TERRITORY_KEYS = {"identifier": str, "name": str, "kind": str, "languages": list,
                  "grid_version": str, "publish_card_texts": bool, "publish_raw_responses": bool}


def _parse(value: str, f: Field, max_depth: int = MAX_DEPTH) -> Any:
    """The typed value of a cell, or raise ValueError."""
    if value == "":
        return "" if f.type == "string" else None
    if f.type == "string":
        return value
    if f.type == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise ValueError
        return int(value)
    if f.type == "number":
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError
        return number
    if f.type == "boolean":
        if value not in ("true", "false"):
            raise ValueError
        return value == "true"
    if f.type == "date":
        return dt.date.fromisoformat(value)
    parsed = load_json(value, max_depth)
    if not isinstance(parsed, dict if f.type == "object" else list):
        raise ValueError
    return parsed


def _load_descriptor(data: bytes | None, max_depth: int) -> tuple[dict[str, Any] | None, list[PackageError]]:
    """The descriptor's JSON object, or None and the error: missing, not UTF-8, nested
    deeper than ``max_depth`` (checked before parsing), not JSON, not an object."""
    if data is None:
        return None, [PackageError(DESCRIPTOR, None, None, "missing_file")]
    try:
        text = data.decode("utf-8")
        if json_depth(text, max_depth) > max_depth:
            return None, [PackageError(DESCRIPTOR, None, None, "too_deep", {"limit": max_depth})]
        body = json.loads(text)
    except UnicodeDecodeError:
        return None, [PackageError(DESCRIPTOR, None, None, "not_utf8")]
    except RecursionError:
        return None, [PackageError(DESCRIPTOR, None, None, "too_deep", {"limit": max_depth})]
    except json.JSONDecodeError as exc:
        return None, [PackageError(DESCRIPTOR, exc.lineno, None, "bad_json", {"reason": exc.msg})]
    if not isinstance(body, dict):
        return None, [PackageError(DESCRIPTOR, None, None, "bad_descriptor", {"key": "(root)"})]
    return body, []


def _read_descriptor(data: bytes | None, max_depth: int = MAX_DEPTH
                     ) -> tuple[dict[str, Any] | None, list[PackageError]]:
    body, errors = _load_descriptor(data, max_depth)
    if body is None:
        return None, errors
    errors = []
    if body.get("profile") != "data-package":
        errors.append(PackageError(DESCRIPTOR, None, "profile", "bad_descriptor", {"key": "profile"}))
    for key in ("name", "created"):
        if not isinstance(body.get(key), str) or not body.get(key):
            errors.append(PackageError(DESCRIPTOR, None, key, "bad_descriptor", {"key": key}))
    meta = body.get("cospiral")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        errors.append(PackageError(DESCRIPTOR, None, "cospiral.format", "bad_format",
                                   {"expected": FORMAT}))
        return None, errors
    territory = meta.get("territory")
    if not isinstance(territory, dict):
        territory = {}
    for key, kind in TERRITORY_KEYS.items():
        if not isinstance(territory.get(key), kind):
            errors.append(PackageError(DESCRIPTOR, None, f"cospiral.territory.{key}",
                                       "bad_descriptor", {"key": f"cospiral.territory.{key}"}))
    identifier = territory.get("identifier")
    if isinstance(identifier, str) and not SLUG.match(identifier):
        errors.append(PackageError(DESCRIPTOR, None, "cospiral.territory.identifier",
                                   "bad_identifier", {"identifier": identifier}))
    resources = body.get("resources")
    if not isinstance(resources, list):
        errors.append(PackageError(DESCRIPTOR, None, "resources", "bad_descriptor",
                                   {"key": "resources"}))
        return None, errors
    names = [r.get("name") if isinstance(r, dict) else None for r in resources]
    if names != [r.name for r in RESOURCES]:
        errors.append(PackageError(DESCRIPTOR, None, "resources", "bad_resources",
                                   {"expected": ", ".join(r.name for r in RESOURCES)}))
        return None, errors
    _check_resources(resources, errors)
    return (None if errors else body), errors


def _check_resources(resources: list[dict[str, Any]], errors: list[PackageError]) -> None:
    """Each listed resource has the path, schema, hash and size entries of ``RESOURCES``."""
    for given, expected in zip(resources, RESOURCES, strict=True):
        if given.get("path") != expected.path:
            errors.append(PackageError(DESCRIPTOR, None, f"{expected.name}.path", "bad_descriptor",
                                       {"key": f"{expected.name}.path"}))
        if given.get("schema") != expected.schema():
            errors.append(PackageError(DESCRIPTOR, None, f"{expected.name}.schema", "bad_schema",
                                       {"resource": expected.name}))
        if not isinstance(given.get("hash"), str) or not isinstance(given.get("bytes"), int):
            errors.append(PackageError(DESCRIPTOR, None, f"{expected.name}.hash", "bad_descriptor",
                                       {"key": f"{expected.name}.hash"}))


def _int(value: str) -> int:
    if not value.isascii() or not (value.isdigit() or (value[:1] == "-" and value[1:].isdigit())):
        raise ValueError
    return int(value)


def _converter(f: Field, max_depth: int = MAX_DEPTH) -> Callable[[str], Any]:
    """A function from a non-empty cell to its typed value (raises ValueError)."""
    if f.type == "integer":
        return _int
    return lambda value: _parse(value, f, max_depth)


def _csv_rows(resource: Resource, text: str, errors: list[PackageError],
              max_cell: int) -> list[tuple[int, list[str]]] | None:
    """``(line, values)`` of every record after the header (``None`` if the header is
    wrong or the text cannot be read); a cell longer than ``max_cell`` is an error at its
    line and column (the csv module's own field limit is lifted while reading: no cell can
    be longer than the file, whose size is bounded before it is read)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    width = len(resource.fields)
    raw: list[tuple[int, list[str]]] = []
    previous = csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    try:
        header = next(reader, None)
        if header != resource.columns:
            errors.append(PackageError(resource.path, 1, None, "bad_header",
                                       {"expected": ", ".join(resource.columns)}))
            return None
        for line, values in enumerate(reader, start=2):
            if len(values) != width:
                errors.append(PackageError(resource.path, line, None, "bad_width",
                                           {"found": len(values), "expected": width}))
                continue
            long = [i for i, v in enumerate(values) if len(v) > max_cell]
            if long:
                errors.extend(PackageError(resource.path, line, resource.columns[i], "cell_too_long",
                                           {"limit": max_cell}) for i in long)
                continue
            raw.append((line, values))
    except csv.Error:
        errors.append(PackageError(resource.path, reader.line_num or 1, None, "bad_csv"))
        return None
    finally:
        csv.field_size_limit(previous)
    return raw


def _read_table(resource: Resource, data: bytes, errors: list[PackageError], *,
                max_cell: int = MAX_CELL, max_depth: int = MAX_DEPTH) -> list[dict[str, Any]]:
    """The typed rows; checked column by column (types, required, enums), then the
    primary key."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        errors.append(PackageError(resource.path, None, None, "not_utf8"))
        return []
    raw = _csv_rows(resource, text, errors, max_cell)
    if not raw:
        return []
    lines = [line for line, _values in raw]
    columns = list(zip(*(values for _line, values in raw), strict=True))
    typed_columns = []
    for f, values in zip(resource.fields, columns, strict=True):
        if f.type == "string":
            typed = list(values)
        else:
            convert = _converter(f, max_depth)
            typed = []
            append = typed.append
            for index, value in enumerate(values):
                if value == "":
                    append(None)
                    continue
                try:
                    append(convert(value))
                except (ValueError, TypeError, OverflowError, RecursionError):
                    append(None)
                    errors.append(PackageError(resource.path, lines[index], f.name, "bad_value",
                                               {"value": value[:40], "type": f.type}))
        distinct = set(values)
        if f.required and "" in distinct:
            errors.extend(PackageError(resource.path, lines[i], f.name, "required")
                          for i, v in enumerate(values) if v == "")
        if f.enum is not None and distinct - set(f.enum) - {""}:
            allowed = set(f.enum) | {""}
            errors.extend(PackageError(resource.path, lines[i], f.name, "unknown_code",
                                       {"value": v[:40]})
                          for i, v in enumerate(values) if v not in allowed)
        typed_columns.append(typed)
    key_index = [resource.columns.index(k) for k in resource.primary_key]
    keys = list(zip(*(columns[i] for i in key_index), strict=True))
    if len(set(keys)) != len(keys):
        seen: dict[tuple[Any, ...], int] = {}
        for index, key in enumerate(keys):
            if key in seen:
                errors.append(PackageError(resource.path, lines[index], ", ".join(resource.primary_key),
                                           "duplicate_key", {"key": "/".join(key), "first": seen[key]}))
            else:
                seen[key] = lines[index]
    names = resource.columns
    return [dict(zip(names, row, strict=True)) for row in zip(*typed_columns, strict=True)]


def _check_foreign_keys(tables: dict[str, list[dict[str, Any]]], errors: list[PackageError]) -> None:
    for resource in RESOURCES:
        rows = tables.get(resource.name, [])
        for local, target, remote in resource.foreign_keys:
            known = {tuple(row.get(k) for k in remote) for row in tables.get(target, [])}
            values = [tuple(row.get(k) for k in local) for row in rows]
            empty = {tuple([None] * len(local)), tuple([""] * len(local))}
            if not set(values) - known - empty:
                continue
            for line, value in enumerate(values, start=2):
                if value in known or all(v in (None, "") for v in value):
                    continue
                errors.append(PackageError(
                    resource.path, line, ", ".join(local), "unknown_reference",
                    {"value": "/".join(str(v) for v in value), "target": target}))


def validate(files: dict[str, bytes], *, max_cell: int = MAX_CELL, max_depth: int = MAX_DEPTH
             ) -> tuple[Package | None, list[PackageError]]:
    """The package read from its files (path → bytes), or None and every error. A cell
    longer than ``max_cell`` characters, JSON nested deeper than ``max_depth``: errors."""
    body, errors = _read_descriptor(files.get(DESCRIPTOR), max_depth)
    if body is None:
        return None, errors
    expected = {DESCRIPTOR} | {r.path for r in RESOURCES}
    for extra in sorted(set(files) - expected):
        errors.append(PackageError(extra, None, None, "unexpected_file"))
    tables: dict[str, list[dict[str, Any]]] = {}
    for given, resource in zip(body["resources"], RESOURCES, strict=True):
        data = files.get(resource.path)
        if data is None:
            errors.append(PackageError(resource.path, None, None, "missing_file"))
            continue
        if sha256(data) != given["hash"] or len(data) != given["bytes"]:
            errors.append(PackageError(resource.path, None, None, "bad_hash"))
            continue
        tables[resource.name] = _read_table(resource, data, errors, max_cell=max_cell,
                                            max_depth=max_depth)
    if errors:
        return None, errors
    _check_foreign_keys(tables, errors)
    for line, row in enumerate(tables["grid"], start=2):
        if row["local"] and row["kind"] != "component":
            errors.append(PackageError("grid.csv", line, "local", "local_not_component"))
    session_group = {row["id"]: row["group"] for row in tables["sessions"]}
    for line, row in enumerate(tables["cards"], start=2):
        if row["full_code"] and not row["component"]:
            errors.append(PackageError("cards.csv", line, "full_code", "full_code_without_component"))
        if row["session"] is not None and session_group.get(row["session"], row["group"]) != row["group"]:
            errors.append(PackageError("cards.csv", line, "session", "session_of_another_group",
                                       {"value": str(row["session"])}))
    if errors:
        return None, errors
    return Package(body, tables), []
