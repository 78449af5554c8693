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

import logging
import queue
import sys
import threading

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from channels.csv.deciding import Decision, ImportPass, chunk_orders, in_chunks, tapered_chunks
from channels.csv.files import FileBroken
from channels.csv.models import ImportOutcome, OrderImport
from channels.csv.services import PERMISSION
from config.collector import collector_paused
from config.postgresql.copy import copy_escape, copy_lines
from orders.services.create_many import NULL
from orders.services.planned import (
    CREATED,
    HELD,
    REJECTED,
    SKIPPED,
)

OUTCOME_COLUMNS = ["order_import_id", "row_number", "reference", "result", "order_id", "message"]

logger = logging.getLogger(__name__)


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
            tapered_chunks(groups, size, lambda: run.bytes_read / max(order_import.size_bytes, 1))
            if writer is not None
            else in_chunks(groups, size)
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
                    _forget_plans()
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
        """Give up every chunk not committed yet when the reader failed. When a writer's failure is
        what stopped the reader (put() raised it), the chunks before the failed one still commit."""
        with self.condition:
            if self.error is None:
                self.error, self.failed_at = RuntimeError("stopped"), -1
            self.condition.notify_all()
        self._join()


def _forget_plans() -> None:
    """Drop the query plans this writer's connection has cached, so that the chunk it writes next is
    planned for the tables as they are now. A connection keeps a plan once it has used it a few times:
    in an import into a nearly empty database, the foreign-key check of each stock allocation was
    planned while the first chunk made the order lines a few pages long, as a sequential scan, and
    read every line again for each allocation of every later chunk (100,000 lines took four minutes
    instead of ten seconds). Planning again once a chunk made no measurable difference to an import
    into a million orders (docs/benchmarks.md)."""
    with connection.cursor() as cursor:
        cursor.execute("DISCARD PLANS")


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
            elif result in (CREATED, HELD) and decision.warnings:
                message = "; ".join(part for part in (message, *map(str, decision.warnings)) if part)
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
