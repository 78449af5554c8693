"""Run the benchmark suites named on the command line (all by default) and write bench/results.json.

Usage: python -m bench [suite ...]   (make bench BENCH_ARGS="orders")
"""

import importlib
import os
import sys

from bench.harness import Report

# Suites in bench/suites/, run in this order. Each module has run(report, options).
SUITES: list[str] = []


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    wanted = [name for name in argv if not name.startswith("-")] or SUITES
    unknown = sorted(set(wanted) - set(SUITES))
    if unknown:
        print(f"unknown suites {unknown}; known: {SUITES}")
        return 2
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
