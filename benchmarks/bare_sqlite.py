"""The baseline for the read-command case: `python -c "import sqlite3"`, as a module.

Run as `python -m benchmarks.bare_sqlite`.
"""

import sqlite3  # noqa: F401  # what the baseline pays for: the interpreter and the standard library's sqlite3
