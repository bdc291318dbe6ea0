"""Print a few raw customers beside their sanitized rows (used by `make demo`).

The sanitized customer_id is a keyed token, so raw and sanitized rows are
matched by tokenizing the raw id with the same key, as any team holding the
key could.
"""
from __future__ import annotations

import os
import sys

import duckdb

from cape_udfs.duckdb_functions import register
from cape_udfs.keyring import Keyring

COLUMNS = ["customer_id", "full_name", "email", "phone", "ssn", "date_of_birth", "age",
           "annual_income", "account_balance", "credit_card", "signup_at"]


def cell(value, width: int = 34) -> str:
    text = "NULL" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def main(db_path: str, count: int = 3) -> int:
    con = duckdb.connect(db_path, read_only=True)
    register(con, Keyring(project_dir=os.getcwd()))
    query = f"""
        select r.*, s.* from raw_customers r
        join customers_sanitized s
          on s.customer_id = left(cape_tokenize(cast(r.customer_id as varchar), \
'env:CAPE_DEFAULT_KEY', 'hmac-sha256'), 32)
        order by r.customer_id limit {int(count)}
    """
    raw_width = len(con.execute("select * from raw_customers limit 0").description)
    cur = con.execute(query)
    names = [d[0] for d in cur.description]
    for row in cur.fetchall():
        raw = dict(zip(names[:raw_width], row[:raw_width]))
        clean = dict(zip(names[raw_width:], row[raw_width:]))
        print(f"\n{'column':<16} {'raw':<36} sanitized")
        print("-" * 90)
        for col in COLUMNS:
            shown = cell(clean[col]) if col in clean else "(dropped)"
            print(f"{col:<16} {cell(raw[col]):<36} {shown}")
    total_raw = con.execute("select count(*) from raw_customers").fetchone()[0]
    total_clean = con.execute("select count(*) from customers_sanitized").fetchone()[0]
    print(f"\nraw_customers: {total_raw} rows; customers_sanitized: {total_clean} rows "
          f"({total_raw - total_clean} inactive customers removed by row-redact)")
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "cape_demo.duckdb"))
