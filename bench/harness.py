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
    budget: str = ""  # e.g. "<= 60", ">= 10000" or "== 1000"; empty when there is no budget (peers, context)
    note: str = ""

    @property
    def verdict(self) -> str:
        if not self.budget:
            return ""
        operator, limit = self.budget.split()
        limit = float(limit)
        ok = {"<=": self.value <= limit, ">=": self.value >= limit, "==": self.value == limit}[operator]
        return "ok" if ok else "OVER BUDGET"


def load_average() -> str:
    """The 1-minute load average: on a shared 2-core machine it says how far wall times are the
    application's own (CPU-time columns are recorded beside them for the same reason)."""
    return f"{os.getloadavg()[0]:.2f}"


@dataclass
class Report:
    measurements: list[Measurement] = field(default_factory=list)
    load_at_start: str = field(default_factory=load_average)

    def add(self, key: str, value: float, unit: str, budget: str = "", note: str = "") -> Measurement:
        measurement = Measurement(key, round(value, 3), unit, budget, note)
        self.measurements.append(measurement)
        print(f"  measured {key} = {measurement.value} {unit}", flush=True)
        return measurement

    def print_table(self) -> None:
        print(f"load average (1 min): {self.load_at_start} at the start, {load_average()} now")
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
            "load_average_1min": {"start": self.load_at_start, "end": load_average()},
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
