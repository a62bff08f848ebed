"""The open-data package of a territory: a Frictionless Data Package (CSV files and a
``datapackage.json`` holding each file's Table Schema, its sha256 hash and the codebook).

Pure rules, no Django: the fixed list of resources and their fields (``RESOURCES``),
writing rows to CSV deterministically (``write_csv``: fixed column order, LF line
endings, values formatted one way), building the descriptor (``descriptor``: stable
JSON, sorted keys) and validating a package (``validate``): the descriptor's JSON, its
profile, every resource's schema against ``RESOURCES`` (a changed schema is refused),
each file's hash and size (a tampered file is refused), then every cell against its
field (type, required, enum of codes), primary keys unique and foreign keys between
resources resolved. Errors are ``PackageError`` values (file, line, column, what,
parameters); the caller turns them into translated messages.

The package is three modules (this one re-exports their public names, so
``from cospiral.domain import package`` keeps working): ``resources`` (what a package
holds), ``write`` and ``read`` (validation).
"""

from cospiral.domain.package.read import (
    TERRITORY_KEYS,
    Package,
    PackageError,
    json_depth,
    load_json,
    validate,
)
from cospiral.domain.package.resources import (
    BY_NAME,
    CODEBOOK,
    DESCRIPTOR,
    FORMAT,
    LEVEL_CODES,
    MAX_CELL,
    MAX_DEPTH,
    RESOURCES,
    SLUG,
    F,
    Field,
    Resource,
)
from cospiral.domain.package.write import (
    cell,
    descriptor,
    sha256,
    write_csv,
)

__all__ = [
    "BY_NAME",
    "cell",
    "CODEBOOK",
    "DESCRIPTOR",
    "descriptor",
    "F",
    "Field",
    "FORMAT",
    "json_depth",
    "LEVEL_CODES",
    "load_json",
    "MAX_CELL",
    "MAX_DEPTH",
    "Package",
    "PackageError",
    "Resource",
    "RESOURCES",
    "sha256",
    "SLUG",
    "TERRITORY_KEYS",
    "validate",
    "write_csv",
]
