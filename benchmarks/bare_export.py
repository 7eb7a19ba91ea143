"""The baseline for the CSV export case: a bare csv.writer loop over a sqlite3 cursor.

Run as `python -m benchmarks.bare_export DB SQL LIMIT OUT`. It imports nothing
but the standard library, so its time and peak RSS are the floor that the CLI
path (`tui-analytics export recent-activity`) is compared with.
"""

import csv
import sqlite3
import sys


def main(db: str, sql: str, limit: str, out: str) -> None:
    conn = sqlite3.connect(db)
    cursor = conn.execute(sql, (int(limit),))
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow([d[0] for d in cursor.description])
        for row in cursor:
            writer.writerow(row)
    conn.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])
