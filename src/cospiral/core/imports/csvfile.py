"""Reading a CSV file as people save it: UTF-8 (with or without BOM), Windows-1252
(French Excel's « CSV (séparateur : point-virgule) »), UTF-16 (Excel's « Texte
Unicode »), detected with charset-normalizer; ``;``, ``,`` or tab between cells."""

from __future__ import annotations

import codecs
import csv
import io

from django.utils.translation import gettext as _

from cospiral.core.imports.errors import TableError, TableRejected, rejected
from cospiral.core.imports.limits import (
    Clock,
    Limits,
    cell_too_long,
    too_many_columns,
    too_many_rows,
)

#: The encodings charset-normalizer may choose from when a file is not UTF-8.
CANDIDATES = ["cp1252", "utf_16", "iso8859_15", "mac_roman", "cp850"]
LABELS = {
    "utf_8": "UTF-8", "utf_8_sig": "UTF-8 (BOM)", "utf_16": "UTF-16", "utf_16_le": "UTF-16",
    "utf_16_be": "UTF-16", "cp1252": "Windows-1252", "iso8859_15": "ISO-8859-15",
    "latin_1": "ISO-8859-1", "mac_roman": "Mac Roman", "cp850": "DOS (CP850)",
}
DELIMITERS = {";": "semicolon", ",": "comma", "\t": "tab"}


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf_16_le`` or ``utf_16_be`` when every other byte of the start is NUL."""
    sample = data[:2000]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.8 * half and even < 0.1 * half:
        return "utf_16_le"
    if even > 0.8 * half and odd < 0.1 * half:
        return "utf_16_be"
    return None


def detect(data: bytes) -> str | None:
    """The Python codec name of the file's encoding, or None when it is not text."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf_8_sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf_16"
    guess = _utf16_without_bom(data)
    if guess:
        return guess
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf_8"
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=CANDIDATES).best()
    return best.encoding if best is not None else None


def decode(data: bytes, filename: str) -> tuple[str, str]:
    """``(text, label of the encoding)``; refuses a file that is not text."""
    encoding = detect(data)
    if encoding is None:
        raise rejected(filename, _(
            "the file is not a text CSV file in a known encoding (UTF-8, Windows-1252 or "
            "UTF-16). Save it as “CSV UTF-8” or as an Excel workbook (.xlsx) and import it "
            "again."))
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise rejected(filename, _(
            "the file is not readable as %(encoding)s (byte 0x%(byte)02X). Save it as “CSV "
            "UTF-8” or as an Excel workbook (.xlsx) and import it again.")
            % {"encoding": LABELS.get(encoding, encoding), "byte": data[exc.start]},
            line=line) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise rejected(filename, _(
            "the file contains NUL characters: it is not a text CSV file."), line=line)
    return text, LABELS.get(encoding, encoding)


def delimiter_of(text: str) -> str:
    """The delimiter the header line uses most (French Excel writes ``;``)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(DELIMITERS, key=first.count)


def _csv_error(filename: str, exc: csv.Error, start: int, limits: Limits) -> TableError:
    reason = str(exc)
    if "unexpected end of data" in reason:
        message = _("a quote (\") opened on this line is never closed: the rest of the file "
                    "would be read as one cell. Close the quote or remove it.")
    elif "expected after" in reason:
        message = _("a quote (\") closes in the middle of a cell: put the whole cell "
                    "between quotes, and double the quotes inside it (\"\").")
    elif "field larger than field limit" in reason:
        message = cell_too_long(limits.max_cell_chars + 1, limits.max_cell_chars)
    else:
        message = _("the CSV is malformed: %(reason)s") % {"reason": reason}
    return TableError(filename, start, None, message)


def read_csv(data: bytes, filename: str, limits: Limits, clock: Clock):
    """``(rows, encoding label, delimiter)``: rows are ``(first line, cells)``, blank
    lines left out, at most ``limits.max_rows`` data lines."""
    text, encoding = decode(data, filename)
    delimiter = delimiter_of(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        quotechar='"', doublequote=True, skipinitialspace=False, strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for values in reader:
            if len(values) > limits.max_columns:
                raise too_many_columns(filename, len(values), limits.max_columns, line=start)
            if any(v.strip() for v in values):
                rows.append((start, values))
                if len(rows) > limits.max_rows + 1:
                    raise too_many_rows(filename, limits.max_rows)
                if len(rows) % 2000 == 0:
                    clock.check()
            start = reader.line_num + 1
    except csv.Error as exc:
        raise TableRejected([_csv_error(filename, exc, start, limits)]) from exc
    return rows, encoding, DELIMITERS[delimiter]
