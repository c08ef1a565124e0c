"""The demo company: a small Finnish B2B software and hardware seller.

Revontuli Solutions Oy of Tampere sells business software, warehouse hardware
and services to Finnish companies. Its five salespeople work about twelve
customer and prospect companies through NAV's three demo sales cycles.

Everything is written through the services, so the history of each
opportunity is what the pages would have written: the set-up first, then every
opportunity's story (created, started, moved on, quoted, closed, reopened) as
events replayed in date order. A fixed seed makes the stories the same on
every run; the dates are placed relative to today so the demo always looks
current.

``load()`` writes it all in one transaction. A database that already holds the
demo is left alone, and so is one holding data of its own.

The company's tables are in ``data``, the planned stories in ``stories``, and
the writing through the services in ``loader``; this package names what the
load_demo command and the tests use.
"""

from crm.demo.data import COMPANIES, CYCLES, LOGINS, SALESPEOPLE, URL, DemoLogin
from crm.demo.loader import SEED, Result, is_loaded, load, logins

__all__ = [
    "COMPANIES",
    "CYCLES",
    "LOGINS",
    "SALESPEOPLE",
    "SEED",
    "URL",
    "DemoLogin",
    "Result",
    "is_loaded",
    "load",
    "logins",
]
