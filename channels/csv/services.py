"""CSV order imports (SPEC 5, seed 003): upload, column mapping, starting the validation pass and the
import, and the sweeper that queues again what a worker lost. The pass over the file is in
deciding.py, the validation pass and preview in validation.py, the import itself in pipeline.py.
"""

import logging
import uuid
from datetime import timedelta
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from channels.csv.columns import CONSTANT_FIELDS, FIELD_BY_KEY, auto_map
from channels.csv.files import ImportRefused, store_upload
from channels.csv.models import ImportMapping, ImportRowError, OrderImport
from channels.csv.validation import import_validate
from channels.csv.values import Lookups, parse_payment_method

logger = logging.getLogger(__name__)


# The tasks (channels/csv/tasks.py) are queued by name: they call this module, which never imports them.
VALIDATE_TASK = "imports.validate"


RUN_TASK = "imports.run"


SWEEP_TASK = "imports.sweep"


PERMISSION = "sales_channels.import_orders"


EDITABLE = (OrderImport.State.MAPPING, OrderImport.State.VALIDATING, OrderImport.State.READY)


DEFAULT_CONSTANTS = {"channel": "csv", "payment_method": "card"}


class ImportActionRefused(Exception):
    """A refused import action, with a message a person can act on."""


class MappingInvalid(ImportActionRefused):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


def _check_permission(user) -> None:
    if not (user.is_active and user.has_perm(PERMISSION)):
        raise ImportActionRefused("You may not import orders.")


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
    try:
        current_app.send_task(VALIDATE_TASK, kwargs={"import_id": import_id, "generation": generation})
    except Exception:
        logger.exception("could not queue the validation of import %s", import_id)


def enqueue_run(import_id: int) -> None:
    try:
        current_app.send_task(RUN_TASK, kwargs={"import_id": import_id})
    except Exception:
        logger.exception("could not queue import %s", import_id)


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
