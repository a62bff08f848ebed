"""The grid-mapping importer: a CSV/XLSX file of ``from_code``, ``to_code`` read through
the import engine and handed to ``services.replace_mapping`` (its one write path)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cospiral.core.tabular import TableError, TableRejected, read_table
from cospiral.network import services

REQUIRED = ["from_code", "to_code"]
#: French names accepted for the columns.
ALIASES = {"from_code": ("code_source", "code_de_départ"),
           "to_code": ("code_cible", "code_d_arrivée")}


def import_mapping(*, user, from_version, to_version, data: bytes, filename: str) -> int:
    """Replace the mapping from one grid version to another with the rows of a file. All
    or nothing: any bad row refuses the file, naming its line and column
    (``TableRejected``)."""
    if not services.can_import_mapping(user):  # before reading a file nobody may use
        raise PermissionDenied
    table = read_table(data, filename, required=REQUIRED, aliases=ALIASES)
    rows = [(r.line, r.values.get("from_code", "").strip(), r.values.get("to_code", "").strip())
            for r in table]
    try:
        return services.replace_mapping(user=user, from_version=from_version,
                                        to_version=to_version, rows=rows)
    except services.MappingRejected as rejected:
        messages = {
            "unknown_from": _("“%(value)s” is not a component of the grid version %(version)s."),
            "unknown_to": _("“%(value)s” is not a component of the grid version %(version)s."),
            "duplicate_from": _("“%(value)s” is mapped more than once."),
            "empty": _("the code is missing."),
        }
        raise TableRejected([
            TableError(filename, p.line, p.column, messages[p.code] % {
                "value": p.value,
                "version": (to_version if p.column == "to_code" else from_version).name})
            for p in rejected.problems]) from rejected
