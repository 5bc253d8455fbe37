#!/usr/bin/env python3
"""The import job in DuckDB SQL: the peer fansync import is measured against.

    bench/data/.venv/bin/python bench/peers/duckdb_customers.py CONTACTS.csv PAYMENTS.csv OUT.db
    bench/data/.venv/bin/python bench/peers/duckdb_customers.py --check

The same job and the same rules as bench/peers/python_customers.py (see there), in one
statement: read_csv over both exports, merged by email, written through DuckDB's sqlite
extension into OUT.db as one table, `customers`, ordered by email. The extension comes from
the PyPI package duckdb-extension-sqlite (INSTALL cannot download here): it is installed once
from the file that package ships into an extension directory inside the venv, then LOADed.
--check only makes sure that works (bench/peers/ensure-duckdb runs it).
"""
import os
import sys

import duckdb

ZERO_DECIMAL = "'BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'"
THREE_DECIMAL = "'BHD', 'JOD', 'KWD', 'OMR', 'TND'"
SUCCEEDED = "'paid', 'succeeded', 'refunded', 'partially refunded'"
NOT_SUCCEEDED = "'failed', 'pending', 'incomplete', 'canceled', 'requires_payment_method'"


def connect():
    """A connection with the sqlite extension loaded from the PyPI package's file."""
    directory = os.path.join(sys.prefix, "duckdb_extensions")
    con = duckdb.connect(config={"extension_directory": directory,
                                 "autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        con.execute("LOAD sqlite")
    except duckdb.Error:
        from importlib.resources import files
        shipped = files("duckdb_extension_sqlite") / "extensions" / f"v{duckdb.__version__}" / "sqlite.duckdb_extension"
        con.execute(f"INSTALL '{shipped}'")  # copies it in under its real name, sqlite_scanner
        con.execute("LOAD sqlite")
    return con


def quoted(text):
    return "'" + text.replace("'", "''") + "'"


def main():
    if sys.argv[1:] == ["--check"]:
        connect().close()
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    contacts, payments, out = sys.argv[1:]
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(out + suffix):
            os.remove(out + suffix)
    con = connect()
    con.execute(f"ATTACH {quoted(out)} AS out (TYPE sqlite)")
    con.execute("""CREATE TABLE out.customers (
        email TEXT PRIMARY KEY, type TEXT NOT NULL, first_name TEXT, last_name TEXT, tags TEXT,
        purchases INTEGER NOT NULL, totals TEXT, first_purchase_at TEXT, last_purchase_at TEXT)""")
    con.execute(f"""
    INSERT INTO out.customers
    WITH contacts AS (
        SELECT lower(trim("Email")) AS email, nullif(trim("First Name"), '') AS first_name,
               nullif(trim("Last Name"), '') AS last_name, "Tags" AS tags,
               coalesce("Date Updated", '') AS updated, "Contact ID" AS id
        FROM read_csv({quoted(contacts)}, header = true, all_varchar = true)
        WHERE trim(coalesce("Email", '')) <> ''
    ),
    payments AS (
        SELECT lower(trim("Customer Email")) AS email,
               lower(trim("Status")) IN ({SUCCEEDED}) AS succeeded,
               upper(trim("Currency")) AS currency,
               CASE WHEN upper(trim("Currency")) IN ({ZERO_DECIMAL}) THEN 1
                    WHEN upper(trim("Currency")) IN ({THREE_DECIMAL}) THEN 1000 ELSE 100 END AS scale,
               CAST(replace(trim("Amount"), ',', '') AS DECIMAL(18, 3)) AS amount,
               CAST(coalesce(nullif(replace(trim("Amount Refunded"), ',', ''), ''), '0') AS DECIMAL(18, 3)) AS refunded,
               CAST("Created date (UTC)" AS TIMESTAMP) AS created
        FROM read_csv({quoted(payments)}, header = true, all_varchar = true)
        WHERE trim(coalesce("Customer Email", '')) <> ''
          AND lower(trim("Status")) IN ({SUCCEEDED}, {NOT_SUCCEEDED})
    ),
    names AS (
        SELECT email, arg_max(first_name, (updated, id)) AS first_name, arg_max(last_name, (updated, id)) AS last_name
        FROM contacts GROUP BY email
    ),
    tags AS (
        SELECT email, array_to_string(list_transform(list_sort(list((folded, tag))), lambda pair: pair[2]), ', ') AS tags
        FROM (SELECT email, lower(tag) AS folded, min(tag) AS tag
              FROM (SELECT email, trim(unnest(string_split(tags, ','))) AS tag FROM contacts)
              WHERE tag <> '' GROUP BY email, folded)
        GROUP BY email
    ),
    per_currency AS (
        SELECT email, currency, count(*) AS purchases,
               sum(CAST(amount * scale AS BIGINT) - CAST(refunded * scale AS BIGINT)) AS total,
               min(created) AS first_at, max(created) AS last_at
        FROM payments WHERE succeeded GROUP BY email, currency
    ),
    totals AS (
        SELECT email, sum(purchases) AS purchases,
               '{{' || array_to_string(list_sort(list('"' || currency || '":' || total)), ',') || '}}' AS totals,
               min(first_at) AS first_at, max(last_at) AS last_at
        FROM per_currency GROUP BY email
    ),
    everyone AS (SELECT email FROM contacts UNION SELECT email FROM payments)
    SELECT e.email, CASE WHEN t.purchases > 0 THEN 'paying' ELSE 'lead' END, n.first_name, n.last_name, g.tags,
           CAST(coalesce(t.purchases, 0) AS BIGINT), t.totals,
           strftime(t.first_at, '%Y-%m-%dT%H:%M:%SZ'), strftime(t.last_at, '%Y-%m-%dT%H:%M:%SZ')
    FROM everyone e
    LEFT JOIN names n USING (email) LEFT JOIN tags g USING (email) LEFT JOIN totals t USING (email)
    ORDER BY e.email
    """)
    count = con.execute("SELECT count(*) FROM out.customers").fetchone()[0]
    con.close()
    print(f"{count} customers")


if __name__ == "__main__":
    main()
