"""The CSV import's timeline events: what an import noticed about an order it created."""

from orders.events import register
from orders.wording import e


def _figures_differ(p: dict) -> str:
    return " ".join(
        f"The file's {e(d.get('figure', ''))} {e(d.get('file', ''))} differs from the computed "
        f"{e(d.get('computed', ''))}."
        for d in p.get("differences", [])
    )


class ImportEvent:
    FIGURES_DIFFER = register("import.figures_differ", "File figures differ", _figures_differ)
