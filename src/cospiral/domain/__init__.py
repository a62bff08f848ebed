"""Framework-free rules and numbers of the SPIRAL method.

Nothing in this package imports Django: every function takes and returns plain data,
so it is tested without a database and reused by pages, the API, the CLI and imports.
"""
