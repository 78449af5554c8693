"""The CSV import of two checkouts side by side, interleaved (A B A B ...), on the same file.

Usage:
    python -m bench.compare_imports --base /path/to/other/checkout \
        --base-database postgres://…/packline_bench_base [--rounds 4] [--lines 100000]

`bench imports` measures one checkout; a change's effect on a shared 2-core machine is smaller than
the drift of the machine's load over a few minutes. Here each round imports the same file once into
each checkout (its own code, its own benchmark database with the same generated orders), in turn, so
that both see the same load. Each import is the `packline` contender of bench/suites/imports.py, run
as that checkout's own child process; the channel is emptied before each import. The other checkout
must have the same suite (its `bench.suites.imports` with `prepare`, `write_file` and the child
entry point).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

SETUP = """
import json, django
django.setup()
from bench.cleanup import delete_orders
from bench.suites.imports import IMPORT_CHANNEL, prepare
user_id, catalogue = prepare()
delete_orders([IMPORT_CHANNEL])
print("RESULT " + json.dumps({"user_id": user_id, "catalogue": catalogue}))
"""

EMPTY = """
import django
django.setup()
from pathlib import Path
from django.conf import settings
from bench.cleanup import delete_orders
from bench.suites.imports import IMPORT_CHANNEL
from django.apps import apps
OrderImport = apps.get_model("sales_channels", "OrderImport")  # its module moved over time
for order_import in OrderImport.objects.filter(created_by__username="bench-csr"):
    (Path(settings.MEDIA_ROOT) / order_import.file).unlink(missing_ok=True)
    order_import.delete()
print("RESULT", delete_orders([IMPORT_CHANNEL]))
"""

WRITE = """
import json, sys, django
django.setup()
from pathlib import Path
from bench.suites.imports import write_file
catalogue = [tuple(row) for row in json.loads(sys.argv[3])]
print("RESULT", write_file(Path(sys.argv[1]), int(sys.argv[2]), run="compare", catalogue=catalogue))
"""


def _python(checkout: Path, database: str, args: list[str]) -> str:
    env = {**os.environ, "DATABASE_URL": database, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}
    done = subprocess.run(
        [sys.executable, *args], cwd=checkout, env=env, capture_output=True, text=True, check=False
    )
    marker = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not marker:
        raise SystemExit(
            f"{checkout}: {' '.join(args[:3])} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return marker[-1][len("RESULT ") :]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare_imports")
    parser.add_argument("--base", type=Path, required=True, help="the other checkout")
    parser.add_argument("--base-database", required=True, help="its benchmark database URL")
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--lines", type=int, default=100_000)
    opts = parser.parse_args(argv)
    if not opts.database:
        from bench.database import bench_database_url

        opts.database = bench_database_url()
    contenders = {"base": (opts.base.resolve(), opts.base_database), "this": (HERE, opts.database)}
    users, catalogues = {}, {}
    for name, (checkout, database) in contenders.items():
        prepared = json.loads(_python(checkout, database, ["-c", SETUP]))
        users[name], catalogues[name] = prepared["user_id"], prepared["catalogue"]
    if catalogues["base"] != catalogues["this"]:
        raise SystemExit("the two benchmark databases have different catalogues; the file would differ")
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    with tempfile.TemporaryDirectory(prefix="packline-compare-imports-") as folder:
        path = Path(folder) / "shopify-orders-export.csv"
        orders = int(
            _python(
                HERE, opts.database, ["-c", WRITE, str(path), str(opts.lines), json.dumps(catalogues["this"])]
            )
        )
        print(f"file: {opts.lines:,} lines, {orders:,} orders; load {os.getloadavg()[0]:.1f}", flush=True)
        for round_number in range(opts.rounds):
            order = list(contenders) if round_number % 2 == 0 else list(reversed(contenders))
            for name in order:
                checkout, database = contenders[name]
                _python(checkout, database, ["-c", EMPTY])
                load = os.getloadavg()[0]
                result = json.loads(
                    _python(
                        checkout,
                        database,
                        ["-m", "bench.suites.imports", "packline", str(path), str(users[name])],
                    )
                )
                if result["state"] != "done" or result["created"] + result["held"] != orders:
                    raise SystemExit(f"{name}: the import did not create every order: {result}")
                seconds[name].append(result["seconds"])
                print(
                    f"round {round_number + 1} {name}: {opts.lines / result['seconds']:,.0f} lines/s, "
                    f"{result['peak_mb']:.0f} MB peak, load {load:.1f}",
                    flush=True,
                )
                time.sleep(2)
        for checkout, database in contenders.values():
            _python(checkout, database, ["-c", EMPTY])
    for name, runs in seconds.items():
        rates = ", ".join(f"{opts.lines / run:,.0f}" for run in runs)
        print(
            f"{name} ({contenders[name][0]}): median {opts.lines / statistics.median(runs):,.0f} lines/s ({rates})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
