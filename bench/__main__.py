"""Run the benchmark suites named on the command line (all by default) and write bench/results.json.

Usage: python -m bench [suite ...] [--option value ...]   (make bench BENCH_ARGS="orders --orders 20000")

The suites run against the benchmark database (bench/database.py: BENCH_DATABASE_URL, or
`packline_bench` on the application's server), never the development database.
"""

import importlib
import os
import sys

from bench.harness import Report

# Suites in bench/suites/, run in this order. Each module has run(report, argv).
SUITES: list[str] = [
    "orders",
    "fulfilment",
    "jobs",
    "imports",
    "webhooks",
    "reconcile",
    "outbox",
    "api",
    "dashboard",
]


def suite_names(argv: list[str]) -> list[str]:
    """The suite names in argv, skipping options and their values (`--orders 20000`)."""
    names, skip = [], False
    for index, token in enumerate(argv):
        if skip:
            skip = False
            continue
        if token.startswith("-"):
            following = argv[index + 1] if index + 1 < len(argv) else ""
            skip = (
                "=" not in token
                and bool(following)
                and not following.startswith("-")
                and following not in SUITES
            )
            continue
        names.append(token)
    return names


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    wanted = suite_names(argv) or SUITES
    unknown = sorted(set(wanted) - set(SUITES))
    if unknown:
        print(f"unknown suites {unknown}; known: {SUITES}")
        return 2
    from bench.database import use_bench_database

    url = use_bench_database()  # before django.setup(): settings read DATABASE_URL once
    print(f"benchmark database: {url.rsplit('@', 1)[-1]}", flush=True)
    import django

    django.setup()
    report = Report()
    for name in wanted:
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.suites.{name}").run(report, argv)
    print()
    report.print_table()
    report.write()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
