#!/usr/bin/env python3
"""Runs Benchmarks/reference_plan.sql on a data folder with DuckDB and writes
the result as CSV in Payplan's format:

    duckdb_reference.py DATA_DIR 2026-Q3 THREADS OUT.csv

Prints the wall time of the query (read CSVs → result written) on stderr."""
import datetime as dt
import sys
import time

import duckdb


def quarter(p):
    y, q = p.split("-Q")
    y, q = int(y), int(q)
    s = dt.date(y, 3 * q - 2, 1)
    e = dt.date(y + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(1)
    return s, e


def main(data, period, threads, out):
    y, q = period.split("-Q")
    prev = f"{int(y) - 1}-Q4" if q == "1" else f"{y}-Q{int(q) - 1}"
    s, e = quarter(period)
    qs, qe = quarter(prev)
    sql = open(__file__.replace("duckdb_reference.py", "reference_plan.sql"), encoding="utf-8").read()
    for k, v in {"DATA": data, "P": period, "Q": prev, "S": s, "E": e, "QS": qs, "QE": qe}.items():
        sql = sql.replace("${" + k + "}", str(v))
    start = time.monotonic()
    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    con.execute(sql)
    con.execute(f"COPY result TO '{out}' (HEADER, DELIMITER ',')")
    print(f"duckdb {time.monotonic() - start:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:5])
