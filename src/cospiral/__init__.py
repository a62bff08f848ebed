"""cospiral: territories of co-responsibility (the SPIRAL method)."""

__version__ = "0.1.0"
