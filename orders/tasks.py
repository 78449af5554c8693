"""Celery tasks for orders: ids in, service call, retries."""

from celery import shared_task

from orders.jobs import job_run, jobs_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True)
def bulk_job_run(job_id: int) -> None:
    """Run or resume a mass action. Idempotent: a re-delivered message finds only what is left."""
    job_run(job_id)


@shared_task
def bulk_jobs_sweep() -> list[int]:
    """Periodic: queue again jobs whose enqueue was lost or whose worker died."""
    return jobs_sweep()
