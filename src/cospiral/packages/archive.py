"""Reading an open-data package's ZIP archive within bounds (``unzip``, ``Limits``) and
the translated messages of a refused package (``MESSAGES``, ``package_error``): every
bound is checked before memory grows. The import itself is ``services.import_package``."""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from lzma import LZMAError

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy

from cospiral.core.tabular import TableError, TableRejected
from cospiral.domain import package as pkg

MESSAGES = {
    "missing_file": gettext_lazy("the file is missing from the package."),
    "not_utf8": gettext_lazy("the file is not UTF-8 text."),
    "bad_json": gettext_lazy("datapackage.json is not valid JSON (%(reason)s)."),
    "bad_descriptor": gettext_lazy("missing or invalid entry “%(key)s” in datapackage.json."),
    "bad_format": gettext_lazy("not a cospiral package of format %(expected)s."),
    "bad_identifier": gettext_lazy("“%(identifier)s” is not a valid territory identifier."),
    "bad_resources": gettext_lazy("the package must list exactly these resources: %(expected)s."),
    "bad_schema": gettext_lazy("the schema of resource “%(resource)s” is not the cospiral schema."),
    "unexpected_file": gettext_lazy("this file is not part of a cospiral package."),
    "bad_hash": gettext_lazy("the file does not match its sha256 hash or size in "
                             "datapackage.json: it was changed after export."),
    "bad_header": gettext_lazy("the columns must be: %(expected)s."),
    "bad_width": gettext_lazy("%(found)s values where %(expected)s are expected."),
    "bad_value": gettext_lazy("“%(value)s” is not a valid %(type)s."),
    "required": gettext_lazy("a value is required."),
    "unknown_code": gettext_lazy("unknown code “%(value)s”."),
    "duplicate_key": gettext_lazy("“%(key)s” appears twice (first on line %(first)s)."),
    "unknown_reference": gettext_lazy("“%(value)s” is not in the resource “%(target)s”."),
    "local_not_component": gettext_lazy("only components can be local to a territory."),
    "full_code_without_component": gettext_lazy("a full code needs a component."),
    "session_of_another_group": gettext_lazy("the session “%(value)s” is a session of another "
                                             "group than the card's."),
    "duplicate_territory": gettext_lazy("duplicate territory identifier: a territory “%(identifier)s” "
                                        "already exists on this server."),
    "grid_codes_differ": gettext_lazy("the grid version “%(version)s” of this server has other codes "
                                      "(%(detail)s); the package cannot be compared without a mapping."),
    "bad_kind": gettext_lazy("unknown territory kind “%(value)s”."),
    "bad_group_kind": gettext_lazy("unknown group kind “%(value)s”."),
    "bad_respondents": gettext_lazy("the wave's answers do not match its indicators."),
    "not_a_zip": gettext_lazy("the file is not a ZIP archive."),
    "too_large": gettext_lazy("the files of the package are larger than %(size)s once "
                              "uncompressed (limit COSPIRAL_PACKAGE_MAX_BYTES)."),
    "entry_too_large": gettext_lazy("the file is larger than %(size)s once uncompressed "
                                    "(limit COSPIRAL_PACKAGE_MAX_FILE_BYTES)."),
    "too_many_entries": gettext_lazy("the archive holds %(found)s files; a package has at most "
                                     "%(limit)s (limit COSPIRAL_PACKAGE_MAX_FILES)."),
    "too_compressed": gettext_lazy("the file is compressed more than %(ratio)s times, as zip "
                                   "bombs are (limit COSPIRAL_PACKAGE_MAX_RATIO)."),
    "encrypted": gettext_lazy("the file is encrypted (protected by a password): a package is "
                              "never encrypted."),
    "bad_compression": gettext_lazy("the file is compressed with a method this server does not "
                                    "read (method %(method)s)."),
    "corrupt_entry": gettext_lazy("the file cannot be unpacked: the archive is damaged."),
    "duplicate_entry": gettext_lazy("the file appears more than once in the archive."),
    "too_deep": gettext_lazy("the JSON is nested deeper than %(limit)s levels "
                             "(limit COSPIRAL_PACKAGE_MAX_DEPTH)."),
    "cell_too_long": gettext_lazy("a cell is longer than %(limit)s characters "
                                  "(limit COSPIRAL_PACKAGE_MAX_CELL)."),
    "bad_csv": gettext_lazy("the CSV text cannot be read here (a quote is not closed or is "
                            "followed by other characters)."),
}


def package_error(e: pkg.PackageError) -> TableError:
    """A ``cospiral.domain.package`` error in the reader's language."""
    return TableError(e.file, e.line, e.column, str(MESSAGES[e.what]) % e.params)


RATIO_FROM = 16 * 1024 * 1024  # smaller files may compress as well as they like
READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
_READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The bounds of a package import (settings ``COSPIRAL_PACKAGE_*``): every one is
    checked before memory grows (sizes from the archive's directory first, then reads
    that stop at the limit)."""

    total_bytes: int
    file_bytes: int
    files: int
    depth: int
    cell: int
    ratio: int = 200  # uncompressed ÷ compressed, for files over RATIO_FROM bytes

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(total_bytes=settings.COSPIRAL_PACKAGE_MAX_BYTES,
                   file_bytes=settings.COSPIRAL_PACKAGE_MAX_FILE_BYTES,
                   files=settings.COSPIRAL_PACKAGE_MAX_FILES,
                   depth=settings.COSPIRAL_PACKAGE_MAX_DEPTH,
                   cell=settings.COSPIRAL_PACKAGE_MAX_CELL,
                   ratio=settings.COSPIRAL_PACKAGE_MAX_RATIO)


def _mb(size: int) -> str:
    return str(filesizeformat(size))


def _refused(file: str, what: str, **params) -> TableRejected:
    return TableRejected([TableError(file, None, None, str(MESSAGES[what]) % params)])


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The entry's bytes, read 1 MB at a time and never more than ``limit`` + 1 bytes
    (the archive's directory may lie about the size)."""
    parts, size = [], 0
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(min(_READ_CHUNK, limit + 1 - size))
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise _refused(info.filename, "entry_too_large", size=_mb(limit))
            parts.append(chunk)
    return b"".join(parts)


def _archive_entries(archive: zipfile.ZipFile, name: str, limits: Limits) -> list[zipfile.ZipInfo]:
    """The archive's files, refused on what its directory says: too many, too large,
    encrypted, compressed in a way this server does not read, or named twice."""
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if len(infos) > limits.files:
        raise _refused(name, "too_many_entries", found=len(infos), limit=limits.files)
    if sum(info.file_size for info in infos) > limits.total_bytes:
        raise _refused(name, "too_large", size=_mb(limits.total_bytes))
    errors, seen = [], set()
    for info in infos:
        if info.filename in seen:
            errors.append(TableError(info.filename, None, None, str(MESSAGES["duplicate_entry"])))
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            errors.append(TableError(info.filename, None, None, str(MESSAGES["encrypted"])))
        elif info.compress_type not in READABLE_METHODS:
            errors.append(TableError(info.filename, None, None, str(MESSAGES["bad_compression"])
                                     % {"method": info.compress_type}))
        elif info.file_size > limits.file_bytes:
            errors.append(TableError(info.filename, None, None, str(MESSAGES["entry_too_large"])
                                     % {"size": _mb(limits.file_bytes)}))
        elif info.file_size > RATIO_FROM and info.file_size > limits.ratio * max(info.compress_size, 1):
            errors.append(TableError(info.filename, None, None, str(MESSAGES["too_compressed"])
                                     % {"ratio": limits.ratio}))
    if errors:
        raise TableRejected(errors)
    return infos


def unzip(data: bytes, name: str = "package.zip", limits: Limits | None = None) -> dict[str, bytes]:
    """The package's files (path → bytes), or ``TableRejected``: not a ZIP, beyond a
    limit (``Limits``), encrypted, an unknown compression, damaged data."""
    limits = limits or Limits.from_settings()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files, total = {}, 0
            for info in _archive_entries(archive, name, limits):
                try:
                    files[info.filename] = body = _read_entry(
                        archive, info, min(limits.file_bytes, limits.total_bytes - total))
                except TableRejected:
                    raise
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
                        NotImplementedError, ValueError, LZMAError) as exc:
                    raise _refused(info.filename, "corrupt_entry") from exc
                total += len(body)
            return files
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            NotImplementedError, RuntimeError) as exc:
        raise _refused(name, "not_a_zip") from exc
