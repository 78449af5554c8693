"""The validation pass and the preview: every row's errors before anything is written (SPEC 5)."""

from dataclasses import dataclass, field
from itertools import islice

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels.csv.deciding import ImportPass, chunk_orders, hold_note, in_chunks
from channels.csv.files import FileBroken
from channels.csv.models import ImportRowError, OrderImport
from channels.csv.parsing import RowError
from config.collector import collector_paused
from orders.services.planned import (
    CREATED,
    HELD,
    REJECTED,
    SKIPPED,
)


@collector_paused()
def import_validate(*, import_id: int, generation: int) -> None:
    """The validation pass: every row's errors and hold notes, and what the import would do, with
    nothing written but the row errors and counts. Stops when the mapping changes under it."""
    order_import = OrderImport.objects.select_related("created_by").filter(pk=import_id).first()
    if order_import is None or order_import.generation != generation:
        return
    if order_import.state != OrderImport.State.VALIDATING:
        return
    current = OrderImport.objects.filter(
        pk=import_id, generation=generation, state=OrderImport.State.VALIDATING
    )
    run = ImportPass(order_import)
    last_row = 1
    try:
        for chunk in in_chunks(run.groups(), chunk_orders()):
            decisions = run.decide(chunk)
            last_row = chunk[-1].last_row
            errors = []
            counts = {CREATED: 0, HELD: 0, SKIPPED: 0, REJECTED: 0}
            for decision in decisions:
                counts[decision.result] += 1
                reference = decision.parsed.reference[:100]
                for error in decision.errors:
                    errors.append(_row_error(order_import, error, reference, ImportRowError.Severity.ERROR))
                if decision.result == HELD:
                    note = RowError(decision.parsed.first_row, "", hold_note(decision.planned.findings))
                    errors.append(_row_error(order_import, note, reference, ImportRowError.Severity.HOLD))
                for warning in decision.warnings:
                    errors.append(
                        _row_error(order_import, warning, reference, ImportRowError.Severity.WARNING)
                    )
            with transaction.atomic():
                if not current.select_for_update().exists():
                    return  # the mapping changed: a newer pass has started
                ImportRowError.objects.bulk_create(errors, batch_size=2000)
                current.update(
                    valid_orders=F("valid_orders") + counts[CREATED],
                    hold_orders=F("hold_orders") + counts[HELD],
                    existing_orders=F("existing_orders") + counts[SKIPPED],
                    invalid_orders=F("invalid_orders") + counts[REJECTED],
                    bytes_validated=run.bytes_read,
                    rows_total=last_row - 1,
                )
    except FileBroken as broken:
        current.update(
            state=OrderImport.State.MAPPING,
            error=f"The file cannot be read past row {broken.row}: {broken}. Fix the file and upload it again.",
            validated_at=timezone.now(),
        )
        return
    current.update(
        state=OrderImport.State.READY,
        bytes_validated=order_import.size_bytes,
        rows_total=last_row - 1,
        validated_at=timezone.now(),
    )


def _row_error(order_import: OrderImport, error: RowError, reference: str, severity: str) -> ImportRowError:
    return ImportRowError(
        order_import=order_import,
        row_number=error.row,
        column=error.column[:200],
        reference=reference,
        severity=severity,
        message=error.message[:500],
    )


@dataclass
class PreviewOrder:
    reference: str
    rows: str
    customer: str
    address: str
    lines: list[str]
    total: str
    result: str
    message: str
    warnings: list[str] = field(default_factory=list)


def import_preview(*, order_import: OrderImport, limit: int = 10) -> list[PreviewOrder]:
    """The first orders of the file as they will be imported (nothing written)."""
    run = ImportPass(order_import)
    groups = run.groups()
    try:
        decisions = run.decide(list(islice(groups, limit)))
    except FileBroken:
        return []
    finally:
        groups.close()
    preview = []
    for decision in decisions:
        parsed, planned = decision.parsed, decision.planned
        order = planned.order if planned else None
        rows = (
            f"{parsed.first_row}–{parsed.last_row}"
            if parsed.last_row != parsed.first_row
            else str(parsed.first_row)
        )
        if order is not None:
            address = order.shipping_address
            customer = order.customer_name + (f" <{order.customer_email}>" if order.customer_email else "")
            lines = [
                f"{line.quantity} × {line.sku} {line.name} @ {line.unit_price}" for line in planned.lines
            ]
            total = f"{order.total} {order.currency}"
        else:
            address = {key: parsed.values.get(key, "") for key in ("line1", "city", "postcode", "country")}
            customer = parsed.values.get("customer_name") or parsed.values.get("email", "")
            lines = [f"{line.quantity} × {line.sku} {line.name}" for line in parsed.lines]
            total = ""
        if decision.result == REJECTED:
            message = "; ".join(str(error) for error in decision.errors)
        elif decision.result == HELD:
            message = hold_note(planned.findings)
        elif decision.result == SKIPPED:
            message = decision.message
        else:
            message = f"will be created as {order.status.label}"
        preview.append(
            PreviewOrder(
                reference=parsed.reference,
                rows=rows,
                customer=customer,
                address=", ".join(str(value) for key, value in address.items() if value and key != "name"),
                lines=lines,
                total=total,
                result=decision.result,
                message=message,
                warnings=[str(warning) for warning in decision.warnings],
            )
        )
    return preview
