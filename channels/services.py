"""CSV order imports (SPEC 5, seed 003): upload, mapping, preview, validation pass and the import.

How an import commits, and what "nothing half-written" means here
------------------------------------------------------------------
The file is read as a stream and cut into chunks of whole orders (IMPORT_CHUNK_ORDERS). Each chunk is
one transaction: its orders, lines, holds, timeline events, the import's outcome rows and counters
commit together or not at all. Within a chunk, a data problem rejects only its own order (nothing of
that order is written, SPEC 2.2); the others are created. A fatal problem met part-way (the file can
no longer be read, the database refuses, the worker dies) rolls back the chunk it happened in: the
chunks before it stay, complete, and are in the report; the import is marked failed with the row and
the reason. The import is all-or-nothing per chunk, never per row: no order exists without its lines,
events and outcome row. Running it again (a re-delivered task) resumes after the last committed
chunk, and importing the file again creates nothing twice: (channel, order reference) is unique.
"""

import csv
import gc
import logging
import queue
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from channels.csv_import import (
    CONSTANT_FIELDS,
    FIELD_BY_KEY,
    FileBroken,
    ImportRefused,
    Lookups,
    OrderParser,
    ParsedOrder,
    RowError,
    RowGroup,
    auto_map,
    group_rows,
    parse_payment_method,
    read_records,
    store_upload,
)
from channels.models import ImportMapping, ImportOutcome, ImportRowError, OrderImport
from fulfilment.services.allocation_many import new_lines_allocate
from orders.actors import Actor
from orders.copy import copy_escape, copy_lines
from orders.models import ActorKind, Channel, HoldReason
from orders.services.create import OrderInput
from orders.services.create_many import (
    CREATED,
    HELD,
    NULL,
    REJECTED,
    SKIPPED,
    BatchOrder,
    NewCustomer,
    OrderBatchCreator,
    Planned,
)

logger = logging.getLogger(__name__)
PERMISSION = "sales_channels.import_orders"
EDITABLE = (OrderImport.State.MAPPING, OrderImport.State.VALIDATING, OrderImport.State.READY)
DEFAULT_CONSTANTS = {"channel": "csv", "payment_method": "card"}


class ImportActionRefused(Exception):
    """A refused import action, with a message a person can act on."""


class MappingInvalid(ImportActionRefused):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


def chunk_orders() -> int:
    return int(getattr(settings, "IMPORT_CHUNK_ORDERS", 1000))


def _path(order_import: OrderImport) -> Path:
    return Path(settings.MEDIA_ROOT) / order_import.file


def _check_permission(user) -> None:
    if not (user.is_active and user.has_perm(PERMISSION)):
        raise ImportActionRefused("You may not import orders.")


# Upload ------------------------------------------------------------------------------------------------


def import_upload(*, user, uploaded_file) -> OrderImport:
    """Store the file under a name of our own, sniff it, map its columns; refuse what cannot be imported
    (ImportRefused, nothing kept)."""
    _check_permission(user)
    limit = int(settings.IMPORT_MAX_BYTES)
    name = Path(str(uploaded_file.name or "upload.csv").replace("\\", "/")).name[:120] or "upload.csv"
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise ImportRefused(
            f"The file is {uploaded_file.size / 1_000_000:.1f} MB; one import takes at most "
            f"{limit / 1_000_000:g} MB. Split it into smaller files and import them one after the other."
        )
    relative = f"imports/{uuid.uuid4()}.csv"
    stored = store_upload(
        uploaded_file.chunks(), Path(settings.MEDIA_ROOT) / relative, name=name, max_bytes=limit
    )
    mapping, group_by = auto_map(stored.headers)
    constants = {key: value for key, value in DEFAULT_CONSTANTS.items() if key not in mapping}
    return OrderImport.objects.create(
        created_by=user,
        original_name=name,
        file=relative,
        size_bytes=stored.size,
        encoding=stored.encoding,
        delimiter=stored.delimiter,
        headers=stored.headers,
        mapping=mapping,
        constants=constants,
        group_by=group_by,
    )


# Mapping -----------------------------------------------------------------------------------------------


def check_mapping(*, headers: list[str], mapping: dict, constants: dict, group_by) -> dict[str, str]:
    """Problems that keep the mapping from being used, by field key."""
    errors: dict[str, str] = {}
    width = len(headers)
    if group_by is None or not 0 <= int(group_by) < width:
        errors["reference"] = (
            "Choose the column that holds the order reference (rows group into orders by it)."
        )
    for key, index in mapping.items():
        if key not in FIELD_BY_KEY or not 0 <= int(index) < width:
            errors[key] = (
                f"{FIELD_BY_KEY[key].label if key in FIELD_BY_KEY else key}: choose a column of the file."
            )
    for key in ("sku", "quantity"):
        if key not in mapping:
            errors[key] = f"{FIELD_BY_KEY[key].label} is required: choose the column that holds it."
    lookups = Lookups()
    channel = constants.get("channel", "").strip()
    if "channel" not in mapping and not channel:
        errors["channel"] = "Channel: choose a column or set a constant (e.g. csv)."
    elif channel and channel.lower() not in lookups.channels:
        errors["channel"] = f"Channel: {channel!r} is not a sales channel."
    payment = constants.get("payment_method", "").strip()
    if "payment_method" not in mapping and not payment:
        errors["payment_method"] = "Payment method: choose a column or set a constant (e.g. card)."
    elif payment and parse_payment_method(payment) is None:
        errors["payment_method"] = f"Payment method: {payment!r} is not cash, card, transfer, pos or channel."
    warehouse = constants.get("warehouse", "").strip()
    if warehouse and warehouse.lower() not in lookups.warehouses:
        errors["warehouse"] = f"Warehouse: {warehouse!r} is not a warehouse."
    currency = constants.get("currency", "").strip()
    if currency and (len(currency) != 3 or not currency.isalpha()):
        errors["currency"] = f"Currency: {currency!r} is not a three-letter code."
    return errors


@transaction.atomic
def import_set_mapping(
    *, order_import: OrderImport, user, mapping: dict, constants: dict, group_by, historical: bool,
    save_as: str = "",
) -> OrderImport:  # fmt: skip
    """Use this mapping from now on (the validation pass starts again), and save it by name if asked."""
    _check_permission(user)
    order_import = OrderImport.objects.select_for_update().get(pk=order_import.pk)
    if order_import.state not in EDITABLE:
        raise ImportActionRefused(
            f"{order_import} is {order_import.get_state_display().lower()}; its mapping is fixed."
        )
    mapping = {key: int(index) for key, index in mapping.items() if index is not None and index != ""}
    constants = {
        key: str(value).strip()
        for key, value in constants.items()
        if key in CONSTANT_FIELDS and str(value).strip()
    }
    errors = check_mapping(
        headers=order_import.headers, mapping=mapping, constants=constants, group_by=group_by
    )
    if errors:
        raise MappingInvalid(errors)
    order_import.mapping, order_import.constants = mapping, constants
    order_import.group_by, order_import.historical = int(group_by), historical
    order_import.save(update_fields=["mapping", "constants", "group_by", "historical"])
    if save_as.strip():
        headers = order_import.headers
        ImportMapping.objects.update_or_create(
            name=save_as.strip()[:100],
            defaults={
                "columns": {key: headers[index] for key, index in mapping.items()},
                "constants": constants,
                "group_by": headers[int(group_by)],
                "historical": historical,
                "created_by": user,
            },
        )
    return import_validate_start(order_import=order_import)


def mapping_from_saved(order_import: OrderImport, saved: ImportMapping) -> tuple[dict, int | None]:
    """A saved mapping applied to this file's headers (by header text; unknown headers are dropped)."""
    positions: dict[str, int] = {}
    for index, header in enumerate(order_import.headers):
        positions.setdefault(header.strip().lower(), index)
    mapping = {
        key: positions[header.strip().lower()]
        for key, header in saved.columns.items()
        if header.strip().lower() in positions
    }
    return mapping, positions.get(saved.group_by.strip().lower())


# Passes over a whole file -----------------------------------------------------------------------------

_paused = {"passes": 0, "was_enabled": True}
_paused_lock = threading.Lock()


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector off for a pass over a file (the validation pass, the import).

    A pass keeps a few chunks of parsed and planned orders alive at a time (about a million small
    objects for 100,000 lines), and the collector, triggered every few thousand allocations, walks
    them again and again: it took about a third of the planning's CPU. The pass makes next to no
    reference cycles (75 unreachable objects after a 100,000-line import), so reference counting frees
    each chunk once it is written, and memory stays where it was. The collector is back as it was when
    the last pass in the process ends, errors included."""
    with _paused_lock:
        if _paused["passes"] == 0:
            _paused["was_enabled"] = gc.isenabled()
            gc.disable()
        _paused["passes"] += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused["passes"] -= 1
            if _paused["passes"] == 0 and _paused["was_enabled"]:
                gc.enable()


# Validation pass ---------------------------------------------------------------------------------------


def import_validate_start(*, order_import: OrderImport) -> OrderImport:
    """Start the validation pass over the whole file: at once for a small file, on a worker for a big one."""
    OrderImport.objects.filter(pk=order_import.pk).update(
        state=OrderImport.State.VALIDATING,
        generation=F("generation") + 1,
        bytes_validated=0,
        valid_orders=0,
        hold_orders=0,
        invalid_orders=0,
        existing_orders=0,
        rows_total=0,
        validated_at=None,
        error="",
    )
    ImportRowError.objects.filter(order_import=order_import).delete()
    order_import.refresh_from_db()
    generation = order_import.generation
    if order_import.size_bytes <= int(settings.IMPORT_INLINE_VALIDATION_BYTES):
        transaction.on_commit(lambda: import_validate(import_id=order_import.pk, generation=generation))
    else:
        transaction.on_commit(lambda: enqueue_validation(order_import.pk, generation))
    return order_import


def enqueue_validation(import_id: int, generation: int) -> None:
    from channels.tasks import import_validate_task

    try:
        import_validate_task.delay(import_id=import_id, generation=generation)
    except Exception:
        logger.exception("could not queue the validation of import %s", import_id)


def enqueue_run(import_id: int) -> None:
    from channels.tasks import import_run_task

    try:
        import_run_task.delay(import_id=import_id)
    except Exception:
        logger.exception("could not queue import %s", import_id)


HOLD_WORDS = {
    HoldReason.MISSING_ADDRESS: "missing shipping address ({detail})",
    HoldReason.MISSING_SHIPPING_METHOD: "missing shipping method",
    HoldReason.UNKNOWN_SKU: "unknown SKU {detail}",
}


def hold_note(findings) -> str:
    parts = []
    for finding in findings:
        words = HOLD_WORDS.get(finding.reason)
        parts.append(words.format(detail=finding.detail) if words else str(finding))
    return "will be created on hold: " + "; ".join(parts)


@dataclass
class Decision:
    """What becomes (or became) of one order of the file."""

    parsed: ParsedOrder
    result: str
    errors: list[RowError]
    message: str = ""
    planned: Planned | None = None


class ImportPass:
    """One pass over a stored file with its mapping: parse, group, plan (and, importing, write)."""

    def __init__(self, order_import: OrderImport, *, actor: Actor | None = None):
        self.order_import = order_import
        self.lookups = Lookups()
        headers = order_import.headers
        self.parser = OrderParser(
            headers=headers,
            mapping=order_import.mapping,
            constants=order_import.constants,
            historical=order_import.historical,
            lookups=self.lookups,
        )
        self.reference_column = headers[order_import.group_by] or f"Column {order_import.group_by + 1}"
        self.default_channel = Channel.objects.get(code="csv")
        user = order_import.created_by
        self.actor = actor or Actor(user=user, kind=ActorKind.JOB, label=str(order_import))
        # Stock is reserved in each chunk's own transaction: an imported order is never committed without
        # its allocation, and its lines are written once.
        self.creator = OrderBatchCreator(
            actor=self.actor, source="csv", describe_key=lambda key: f"row {key}", allocate=new_lines_allocate
        )
        self.detail = f"imported from file {order_import.original_name}, row {{row}} by {user}"
        self.counter: list = []

    def groups(self) -> Iterator[RowGroup]:
        order_import = self.order_import
        records = read_records(
            _path(order_import), order_import.encoding, order_import.delimiter, self.counter
        )
        return group_rows(records, order_import.group_by)

    @property
    def bytes_read(self) -> int:
        return self.counter[0].count if self.counter else 0

    def batch_order(self, parsed: ParsedOrder) -> BatchOrder:
        values = parsed.values
        address = {
            key: values[source]
            for key, source in (
                ("name", "shipping_name"),
                ("line1", "line1"),
                ("line2", "line2"),
                ("city", "city"),
                ("region", "region"),
                ("postcode", "postcode"),
                ("country", "country"),
                ("phone", "shipping_phone"),
            )
            if values[source]
        }
        name = (
            values["customer_name"]
            or values["shipping_name"]
            or values["email"]
            or values["phone"]
            or f"Customer of order {parsed.reference}"
        )
        customer = NewCustomer(
            name=name[:200],
            email=values["email"],
            phone=values["phone"],
            company=values["company"],
            address=address,
        )
        data = OrderInput(
            customer=customer,
            lines=parsed.lines,  # ParsedLine is a LineInput
            channel=values["channel"] or self.default_channel,
            channel_order_id=parsed.reference,
            channel_order_number=parsed.reference,
            shipping_address=address,
            shipping_method=values["shipping_method"],
            payment_method=values["payment_method"],
            amount_paid=values["amount_paid"] or Decimal(0),
            delivery_fee=values["delivery_fee"] or Decimal(0),
            currency=values["currency"],
            po_number=values["po_number"],
            customer_reference=values["customer_reference"],
            gift_message=values["gift_message"],
            notes=values["notes"],
            tags=values["tags"],
            warehouse=values["warehouse"],
        )
        return BatchOrder(
            key=parsed.first_row,
            data=data,
            source_detail=self.detail.format(row=parsed.first_row),
            status=values["status"],
            created_at=values["created_at"],
            paid_in_full=values["paid_in_full"] and values["amount_paid"] is None,
        )

    def decide(self, groups: list[RowGroup]) -> list[Decision]:
        """Parse and plan a chunk of orders; nothing is written."""
        parsed = [self.parser.parse(group, self.reference_column) for group in groups]
        items = [self.batch_order(order) for order in parsed if not order.errors]
        planned = {p.item.key: p for p in self.creator.plan(items)}
        decisions = []
        for order in parsed:
            p = planned.get(order.first_row)
            if p is None:
                decisions.append(Decision(order, REJECTED, order.errors))
            elif p.result == REJECTED:
                decisions.append(Decision(order, REJECTED, self.service_errors(order, p.errors), planned=p))
            elif p.result == SKIPPED:
                decisions.append(Decision(order, SKIPPED, [], p.message, planned=p))
            else:
                message = "; ".join(str(finding) for finding in p.findings)
                decisions.append(Decision(order, p.result, [], message, planned=p))
        return decisions

    def service_errors(self, order: ParsedOrder, errors: dict[str, list[str]]) -> list[RowError]:
        """order_create's validation errors ({"lines[2]": [...]}) as row errors."""
        found = []
        for key, messages in errors.items():
            row, column = order.first_row, ""
            if key.startswith("lines[") and key.endswith("]"):
                index = int(key[6:-1]) - 1
                if 0 <= index < len(order.lines):
                    row = order.lines[index].row
                discount = any("discount" in message.lower() for message in messages)
                column = self.parser.column("line_discount" if discount else "unit_price")
            elif key == "channel_order_id":
                column = self.reference_column
            elif key in FIELD_BY_KEY:
                column = self.parser.column(key)
            found.extend(RowError(row, column, message.rstrip(".")) for message in messages)
        return found


def _chunks(groups: Iterator[RowGroup], size: int) -> Iterator[list[RowGroup]]:
    while chunk := list(islice(groups, size)):
        yield chunk


def _tapered_chunks(
    groups: Iterator[RowGroup], size: int, share_read: Callable[[], float]
) -> Iterator[list[RowGroup]]:
    """Chunks for the pipelined import: `size` orders, but smaller at both ends. The first chunks grow
    from an eighth of `size`, so that the writers start soon; near the end of the file (share_read()
    is the part of it read so far, which estimates the orders left) they shrink again, so that little
    is left to write once reading ends. Full-size chunks at both ends left one core idle for about a
    second of a 100,000-line import."""
    # Below a few hundred orders, a chunk's round trips cost more than its earlier start saves.
    smallest = max(size // 8, min(size, 250))
    want, read = smallest, 0
    while chunk := list(islice(groups, want)):
        yield chunk
        read += len(chunk)
        want = min(size, want * 2)
        share = share_read()
        if 0 < share < 1:
            want = max(smallest, min(want, int(read * (1 - share) / share / 2)))


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
        for chunk in _chunks(run.groups(), chunk_orders()):
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
            )
        )
    return preview


# The import --------------------------------------------------------------------------------------------


@transaction.atomic
def import_start(*, order_import: OrderImport, user) -> OrderImport:
    """Queue the import of a validated file (the worker checks the permission again)."""
    _check_permission(user)
    order_import = OrderImport.objects.select_for_update().get(pk=order_import.pk)
    if order_import.state != OrderImport.State.READY:
        raise ImportActionRefused(
            f"{order_import} is {order_import.get_state_display().lower()}, not ready to import."
        )
    if order_import.error:
        raise ImportActionRefused(order_import.error)
    order_import.state = OrderImport.State.QUEUED
    order_import.save(update_fields=["state"])
    transaction.on_commit(lambda: enqueue_run(order_import.pk))
    return order_import


OUTCOME_COLUMNS = ["order_import_id", "row_number", "reference", "result", "order_id", "message"]


@collector_paused()
def import_run(*, import_id: int) -> OrderImport | None:
    """Import (or resume importing) a queued file. Safe to run twice, at once or after a crash: the
    import row is locked while it starts, and orders whose outcome is recorded are not read again.

    Reading and planning the next chunk (Python's work) runs while the previous chunks are written (the
    database's): writer threads with connections of their own take the prepared chunks in order, one
    transaction each, stock allocation included, and commit them in file order (ChunkWriter). Inside an
    outer transaction (tests) the chunks are written in line instead."""
    with transaction.atomic():
        order_import = (
            OrderImport.objects.select_for_update().select_related("created_by").filter(pk=import_id).first()
        )
        if order_import is None or order_import.state not in (
            OrderImport.State.QUEUED,
            OrderImport.State.RUNNING,
        ):
            return order_import
        user = order_import.created_by
        if not (user.is_active and user.has_perm(PERMISSION) and user.has_perm("orders.add_customer")):
            order_import.state, order_import.error = (
                OrderImport.State.FAILED,
                f"{user} may no longer import orders.",
            )
            order_import.finished_at = timezone.now()
            order_import.save(update_fields=["state", "error", "finished_at"])
            return order_import
        order_import.state = OrderImport.State.RUNNING
        order_import.started_at = order_import.started_at or timezone.now()
        order_import.heartbeat_at = timezone.now()
        order_import.save(update_fields=["state", "started_at", "heartbeat_at"])
    done = set(ImportOutcome.objects.filter(order_import=order_import).values_list("row_number", flat=True))
    pipelined = settings.IMPORT_PIPELINE and not connection.in_atomic_block
    run = ImportPass(order_import)
    writer = ChunkWriter(order_import, run, writers=settings.IMPORT_WRITERS) if pipelined else None
    try:
        groups = (group for group in run.groups() if group.first_row not in done)
        size = chunk_orders()
        chunks = (
            _tapered_chunks(groups, size, lambda: run.bytes_read / max(order_import.size_bytes, 1))
            if writer is not None
            else _chunks(groups, size)
        )
        for chunk in chunks:
            decisions = run.decide(chunk)
            work = (
                decisions,
                run.creator.prepare([d.planned for d in decisions if d.planned]),
                chunk[-1].last_row,
            )
            if writer is not None:
                writer.put(work)
            else:
                _write_chunk(order_import, run, *work)
        if writer is not None:
            writer.finish()
    except FileBroken as broken:
        if writer is not None:
            writer.finish()  # the chunks read before the broken row are whole: they are written
        _fail(
            order_import,
            f"Stopped at row {broken.row}: {broken}. The orders before that chunk were imported.",
        )
        return order_import
    except Exception as error:
        if writer is not None:
            writer.stop()
        logger.exception("import %s failed", import_id)
        _fail(
            order_import,
            f"Stopped by an unexpected error ({type(error).__name__}); the chunk it hit was not imported.",
        )
        raise
    OrderImport.objects.filter(pk=import_id).update(
        state=OrderImport.State.DONE, finished_at=timezone.now(), rows_done=F("rows_total")
    )
    order_import.refresh_from_db()
    return order_import


class ChunkAbandoned(Exception):
    """A chunk before this one failed, so this one, written at the same time, is rolled back unfinished."""


class ChunkWriter:
    """Writes prepared chunks on threads of their own, each with its own database connection.

    With two writers (IMPORT_WRITERS), a chunk's own new rows (customers, orders, holds, payments, their
    events) go in while the chunk before it reserves stock and commits, so PostgreSQL works on both cores.
    From stock reservation to commit each chunk waits its turn: chunks commit in file order, stock goes
    to the older order first, and no chunk commits after one before it failed. A customer created by one
    chunk and used by the next is checked at the next one's commit (foreign keys are deferred), which
    comes after the first one's."""

    def __init__(self, order_import: OrderImport, run: "ImportPass", writers: int = 1):
        self.order_import, self.run = order_import, run
        # One chunk waiting beside one in each writer is enough: a deeper queue only holds more prepared
        # chunks in memory (each ~10 MB of Python objects for 2,000 orders).
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.failed_at: int | None = None  # the first chunk that failed
        self.turn = 0  # every chunk before this one has committed (or been given up)
        self.finished: set[int] = set()
        self.condition = threading.Condition()
        self.sequence = 0
        self.joined = False
        self.threads = [
            threading.Thread(target=self._loop, name=f"import-{order_import.pk}-writer-{n}", daemon=True)
            for n in range(max(1, writers))
        ]
        # The reader is busy in Python while the writers mostly wait for PostgreSQL; a short switch
        # interval hands a writer the interpreter soon after each of its answers arrives.
        self.switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(0.0005)
        for thread in self.threads:
            thread.start()

    def _loop(self) -> None:
        try:
            while (item := self.queue.get()) is not None:
                number, work = item
                try:
                    self._check(number)
                    _write_chunk(
                        self.order_import, self.run, *work, wait_turn=lambda n=number: self._wait_turn(n)
                    )
                except ChunkAbandoned:
                    pass
                except Exception as error:
                    logger.exception("import %s: writing a chunk failed", self.order_import.pk)
                    with self.condition:  # keep draining, so that the reader never blocks on the queue
                        if self.failed_at is None or number < self.failed_at:
                            self.error, self.failed_at = error, number
                finally:
                    with self.condition:
                        self.finished.add(number)
                        while self.turn in self.finished:
                            self.finished.discard(self.turn)
                            self.turn += 1
                        self.condition.notify_all()
        finally:
            connection.close()

    def _check(self, number: int) -> None:
        if self.failed_at is not None and self.failed_at < number:
            raise ChunkAbandoned

    def _wait_turn(self, number: int) -> None:
        with self.condition:
            self.condition.wait_for(
                lambda: self.turn == number or (self.failed_at is not None and self.failed_at < number)
            )
            self._check(number)

    def put(self, work) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((self.sequence, work))
        self.sequence += 1

    def _join(self) -> None:
        if self.joined:  # finish() raised a writer's error, and the reader's handler stops us again
            return
        self.joined = True
        for _thread in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        sys.setswitchinterval(self.switch_interval)

    def finish(self) -> None:
        self._join()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        """Give up every chunk not committed yet (the reader failed)."""
        with self.condition:
            self.error = self.error or RuntimeError("stopped")
            self.failed_at = -1
            self.condition.notify_all()
        self._join()


def _fail(order_import: OrderImport, message: str) -> None:
    OrderImport.objects.filter(pk=order_import.pk).update(
        state=OrderImport.State.FAILED, error=message, finished_at=timezone.now()
    )


def _write_chunk(
    order_import: OrderImport,
    run: "ImportPass",
    decisions: list[Decision],
    batch,
    last_row: int,
    wait_turn=None,
) -> None:
    """One chunk, one transaction: orders, lines, holds, payments, events, outcomes and counters.
    `wait_turn` (several writers) returns when the chunks before this one have committed."""
    with transaction.atomic():
        run.creator.execute(batch, wait_turn=wait_turn)
        counts = {CREATED: 0, HELD: 0, SKIPPED: 0, REJECTED: 0}
        rows = []
        for decision in decisions:
            p = decision.planned
            result, message = decision.result, decision.message
            if p is not None and p.result != result:  # taken meanwhile by another import
                result, message = p.result, p.message
            if result == REJECTED:
                message = "; ".join(str(error) for error in decision.errors)
            order_id = p.order.pk if p is not None and p.order is not None else p.existing_id if p else None
            counts[result] += 1
            rows.append(
                f"{order_import.pk}\t{decision.parsed.first_row}\t{copy_escape(decision.parsed.reference[:100])}\t"
                f"{result}\t{order_id or NULL}\t{copy_escape(message)}\n"
            )
        copy_lines(ImportOutcome._meta.db_table, OUTCOME_COLUMNS, rows)
        OrderImport.objects.filter(pk=order_import.pk).update(
            created_count=F("created_count") + counts[CREATED],
            held_count=F("held_count") + counts[HELD],
            skipped_count=F("skipped_count") + counts[SKIPPED],
            rejected_count=F("rejected_count") + counts[REJECTED],
            rows_done=last_row - 1,
            heartbeat_at=timezone.now(),
        )


def imports_sweep(stale_after_seconds: int = 120) -> list[int]:
    """Queue again the imports whose task was lost or whose worker died (no heartbeat for a while):
    the import resumes after its last committed chunk, a validation starts over."""
    stale = timezone.now() - timedelta(seconds=stale_after_seconds)
    swept = []
    for order_import in OrderImport.objects.filter(
        Q(state=OrderImport.State.QUEUED, created_at__lt=stale)
        | Q(state=OrderImport.State.RUNNING, heartbeat_at__lt=stale)
    ):
        OrderImport.objects.filter(pk=order_import.pk, state=OrderImport.State.RUNNING).update(
            heartbeat_at=timezone.now()
        )
        enqueue_run(order_import.pk)
        swept.append(order_import.pk)
    for order_import in OrderImport.objects.filter(state=OrderImport.State.VALIDATING, created_at__lt=stale):
        if order_import.size_bytes > int(settings.IMPORT_INLINE_VALIDATION_BYTES):
            enqueue_validation(order_import.pk, order_import.generation)
            swept.append(order_import.pk)
    return swept


# Reports -----------------------------------------------------------------------------------------------


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
