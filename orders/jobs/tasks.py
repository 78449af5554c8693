"""Celery tasks of mass actions, on the `bulk` queue: ids in, service call."""

from celery import shared_task

from orders.jobs.runner import RUN_TASK, SWEEP_TASK, job_run, jobs_sweep


@shared_task(name=RUN_TASK, acks_late=True, reject_on_worker_lost=True)
def bulk_job_run(job_id: int) -> None:
    """Run or resume a mass action. Idempotent: a re-delivered message finds only what is left."""
    job_run(job_id)


@shared_task(name=SWEEP_TASK)
def bulk_jobs_sweep() -> list[int]:
    """Periodic: queue again jobs whose enqueue was lost or whose worker died."""
    return jobs_sweep()
