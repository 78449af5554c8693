"""The benchmark harness: measurements, budgets, the printed table and bench/results.json."""

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"


@dataclass
class Measurement:
    key: str
    value: float
    unit: str
    budget: str = ""  # e.g. "<= 60" or ">= 10000"; empty when there is no budget (peers, context)
    note: str = ""

    @property
    def verdict(self) -> str:
        if not self.budget:
            return ""
        operator, limit = self.budget.split()
        limit = float(limit)
        ok = self.value <= limit if operator == "<=" else self.value >= limit
        return "ok" if ok else "OVER BUDGET"


@dataclass
class Report:
    measurements: list[Measurement] = field(default_factory=list)

    def add(self, key: str, value: float, unit: str, budget: str = "", note: str = "") -> Measurement:
        measurement = Measurement(key, round(value, 3), unit, budget, note)
        self.measurements.append(measurement)
        print(f"  measured {key} = {measurement.value} {unit}", flush=True)
        return measurement

    def print_table(self) -> None:
        rows = [("key", "value", "unit", "budget", "verdict", "note")]
        rows += [(m.key, f"{m.value:g}", m.unit, m.budget, m.verdict, m.note) for m in self.measurements]
        widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
        for index, row in enumerate(rows):
            print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
            if index == 0:
                print("  ".join("-" * width for width in widths))

    def write(self, path: Path = RESULTS_PATH) -> None:
        existing = json.loads(path.read_text()) if path.exists() else {}
        existing.update({m.key: m.value for m in self.measurements})
        existing["_meta"] = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores",
            "python": platform.python_version(),
        }
        path.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n")
        print(f"wrote {path}")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def timed_ms(action: Callable[[], object], repeat: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(samples), "p95": percentile(samples, 0.95)}
