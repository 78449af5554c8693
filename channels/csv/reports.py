"""An import's report and its row errors as CSV downloads, formula-guarded."""

import csv
from collections.abc import Iterator

from django.conf import settings

from channels.csv.models import ImportOutcome, ImportRowError, OrderImport


class Echo:
    def write(self, value):
        return value


def report_lines(order_import: OrderImport) -> Iterator[str]:
    """The import's report as CSV lines: one per order of the file."""
    writer = csv.writer(Echo())
    yield writer.writerow(["row", "reference", "result", "order", "message"])
    outcomes = (
        ImportOutcome.objects.filter(order_import=order_import)
        .order_by("row_number")
        .values_list("row_number", "reference", "result", "order__number", "message")
        .iterator(chunk_size=5000)
    )
    labels = dict(ImportOutcome.Result.choices)
    for row, reference, result, number, message in outcomes:
        order = f"{settings.ORDER_NUMBER_PREFIX}{number}" if number else ""
        yield writer.writerow([row, _neutral(reference), labels[result], order, _neutral(message)])


def error_lines(order_import: OrderImport) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(["row", "column", "reference", "result", "message"])
    errors = (
        ImportRowError.objects.filter(order_import=order_import)
        .order_by("row_number", "pk")
        .values_list("row_number", "column", "reference", "severity", "message")
        .iterator(chunk_size=5000)
    )
    labels = dict(ImportRowError.Severity.choices)
    for row, column, reference, severity, message in errors:
        yield writer.writerow(
            [row, _neutral(column), _neutral(reference), labels[severity], _neutral(message)]
        )


def _neutral(value: str) -> str:
    """A cell a spreadsheet would run as a formula stays text (the file's own values come back here)."""
    from orders.resources import neutralise

    return neutralise(value)
