#!/usr/bin/env python3
"""The import job in plain Python (csv + sqlite3): the peer fansync import is measured against.

    python3 bench/peers/python_customers.py CONTACTS.csv PAYMENTS.csv OUT.db

Reads an ActiveCampaign contacts export and a Stripe payments export, merges people by
email (trimmed, lower-cased) and writes one table, `customers`, one row per email, sorted
by email. The rules are fansync's (mappings/*.yml, README "The store and the merge"):
- type: subscription > paying > lead. A contact, or a payment that did not succeed, is a
  lead; a succeeded payment is paying (these two exports carry no subscriptions).
- Stripe's dashboard statuses: Paid, Succeeded, Refunded and Partially refunded are
  succeeded payments (a refunded payment was paid first: it counts as a purchase, its
  refund comes off the total); Failed, Pending, Incomplete, Canceled are not; any other
  status rejects the row.
- totals: per currency, succeeded payments' Amount minus Amount Refunded, in integer minor
  units (the exports write decimal major units; JPY and other zero-decimal currencies none).
- purchases, first and last purchase: over succeeded payments.
- tags: the union of the contacts' comma-separated tags, trimmed, deduplicated
  case-insensitively, sorted.
- names: from the newest contact row (Date Updated, then Contact ID).
Rows without an email are skipped (fansync rejects such contacts and keeps such payments
unattributed, counting no money).
"""
import csv
import json
import os
import sqlite3
import sys
from datetime import datetime, timezone
from decimal import Decimal

ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX",
                "VND", "VUV", "XAF", "XOF", "XPF"}
THREE_DECIMAL = {"BHD", "JOD", "KWD", "OMR", "TND"}
STATUSES = {"paid": True, "succeeded": True, "refunded": True, "partially refunded": True,
            "failed": False, "pending": False, "incomplete": False, "canceled": False,
            "requires_payment_method": False}


def minor_units(value, currency):
    value = value.strip()
    if not value:
        return 0
    exponent = 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2
    minor = Decimal(value.replace(",", "")).scaleb(exponent)
    if minor != minor.to_integral_value():
        raise ValueError(f"{value} {currency}: more decimals than the currency has")
    return int(minor)


def utc(value):
    """'2025-03-04 05:06:07' (UTC, as Stripe writes it) or ISO 8601 with an offset: a naive UTC datetime."""
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


class Person:
    __slots__ = ("paying", "name_key", "first_name", "last_name", "tags", "purchases", "totals",
                 "first_purchase", "last_purchase")

    def __init__(self):
        self.paying = False
        self.name_key = None
        self.first_name = self.last_name = None
        self.tags = {}
        self.purchases = 0
        self.totals = {}
        self.first_purchase = self.last_purchase = None


def read_contacts(path, people):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        i_id, i_email, i_first, i_last, i_tags, i_updated = (
            header.index(name) for name in ("Contact ID", "Email", "First Name", "Last Name", "Tags", "Date Updated"))
        for row in rows:
            email = row[i_email].strip().lower()
            if not email:
                continue
            person = people.get(email)
            if person is None:
                person = people[email] = Person()
            key = (row[i_updated], row[i_id])
            if person.name_key is None or key > person.name_key:
                person.name_key = key
                person.first_name = row[i_first].strip() or None
                person.last_name = row[i_last].strip() or None
            for tag in row[i_tags].split(","):
                tag = tag.strip()
                if tag:
                    folded = tag.lower()
                    kept = person.tags.get(folded)
                    if kept is None or tag < kept:
                        person.tags[folded] = tag


def read_payments(path, people):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        created = "Created date (UTC)" if "Created date (UTC)" in header else "Created (UTC)"
        i_email, i_status, i_currency, i_amount, i_refunded, i_created = (
            header.index(name) for name in ("Customer Email", "Status", "Currency", "Amount", "Amount Refunded", created))
        for row in rows:
            email = row[i_email].strip().lower()
            succeeded = STATUSES.get(row[i_status].strip().lower())
            if not email or succeeded is None:
                continue
            person = people.get(email)
            if person is None:
                person = people[email] = Person()
            if not succeeded:
                continue
            currency = row[i_currency].strip().upper()
            net = minor_units(row[i_amount], currency) - minor_units(row[i_refunded], currency)
            person.paying = True
            person.purchases += 1
            person.totals[currency] = person.totals.get(currency, 0) + net
            at = utc(row[i_created])
            if person.first_purchase is None or at < person.first_purchase:
                person.first_purchase = at
            if person.last_purchase is None or at > person.last_purchase:
                person.last_purchase = at


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    contacts, payments, out = sys.argv[1:]
    people = {}
    read_contacts(contacts, people)
    read_payments(payments, people)
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(out + suffix):
            os.remove(out + suffix)
    db = sqlite3.connect(out)
    db.execute("""CREATE TABLE customers (
        email TEXT PRIMARY KEY, type TEXT NOT NULL, first_name TEXT, last_name TEXT, tags TEXT,
        purchases INTEGER NOT NULL, totals TEXT, first_purchase_at TEXT, last_purchase_at TEXT)""")

    def rows():
        for email in sorted(people):
            person = people[email]
            tags = ", ".join(person.tags[folded] for folded in sorted(person.tags)) or None
            totals = json.dumps(dict(sorted(person.totals.items())), separators=(",", ":")) if person.totals else None
            yield (email, "paying" if person.paying else "lead", person.first_name, person.last_name, tags,
                   person.purchases, totals, iso(person.first_purchase), iso(person.last_purchase))

    with db:
        db.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
    db.close()
    print(f"{len(people)} customers")


if __name__ == "__main__":
    main()
