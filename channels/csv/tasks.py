"""Celery tasks for CSV imports, on the `imports` queue: ids in, service call."""

from celery import shared_task

from channels.csv.pipeline import import_run
from channels.csv.services import RUN_TASK, SWEEP_TASK, VALIDATE_TASK, imports_sweep
from channels.csv.validation import import_validate


@shared_task(name=VALIDATE_TASK, acks_late=True, reject_on_worker_lost=True)
def import_validate_task(import_id: int, generation: int) -> None:
    """The validation pass of a big file. A message for an older mapping finds out and does nothing."""
    import_validate(import_id=import_id, generation=generation)


@shared_task(name=RUN_TASK, acks_late=True, reject_on_worker_lost=True)
def import_run_task(import_id: int) -> None:
    """Import a queued file, or resume it after a crash: committed chunks are not imported again."""
    import_run(import_id=import_id)


@shared_task(name=SWEEP_TASK)
def imports_sweep_task() -> list[int]:
    """Periodic: queue again imports whose task was lost or whose worker died."""
    return imports_sweep()
