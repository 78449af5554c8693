"""Mass actions as background jobs (SPEC 4): the selection, submitting, and the runner.

A job materialises its selection into one result row per order, then works through the pending rows
in chunks. Each chunk's changes and its result rows commit together, so a worker killed mid-job
leaves the chunk as if it never ran, and the job resumes on the next worker without applying
anything twice. A large job is worked by several runners at once (BULK_JOB_RUNNERS), each claiming
its own chunks, so it spreads over the worker processes and machines there are. The actions
themselves are declared in orders/jobs/registry.py.
"""

import logging
from datetime import timedelta
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.http import QueryDict
from django.utils import timezone

from orders import bounds
from orders.actors import Actor
from orders.errors import OrderError
from orders.jobs.models import BulkJob, BulkJobResult
from orders.jobs.registry import ACTIONS, BulkAction, Outcomes
from orders.models import Order
from orders.selectors import orders_for_tab, orders_visible_to, tabs_for

logger = logging.getLogger(__name__)

# The tasks (orders/jobs/tasks.py) are queued by name: they call this module, which never imports them.
RUN_TASK = "jobs.run"
SWEEP_TASK = "jobs.sweep"

# Selection -------------------------------------------------------------------------------------------


def selection_queryset(user, selection: dict) -> QuerySet[Order]:
    """The orders a selection means *now*, through what the user may see (forged ids fall away).
    Raises OrderError with the reason when the selection cannot be built: a tab the user cannot see,
    or a filter the list would refuse (orders.filters.OrderFilter checks it)."""
    tab = selection.get("tab", "all")
    if tab not in dict(tabs_for(user)):
        raise OrderError(f"You cannot see the {tab!r} tab, so its orders cannot be selected.")
    if "ids" in selection:
        # Hand-picked orders stay in the job even if they left the tab meanwhile: the action's rules
        # then skip them with a reason rather than dropping them from the report.
        ids = [pk for pk in map(bounds.parse_id, selection["ids"]) if pk is not None]
        return orders_visible_to(user, deleted=tab == "deleted").filter(pk__any=ids)
    orders = orders_for_tab(user, tab)
    from orders.filters import OrderFilter

    filters = OrderFilter(QueryDict(selection.get("query", "")), queryset=orders)
    problems = filters.problems()
    if problems:
        raise OrderError(f"The selection's filter cannot be used: {' '.join(problems)}")
    return filters.qs


# Submitting ------------------------------------------------------------------------------------------


@transaction.atomic
def job_submit(*, user, action_code: str, selection: dict, params: dict) -> BulkJob:
    """Check the permission now (the worker checks again), store the job, queue it after commit."""
    action = ACTIONS.get(action_code)
    if action is None:
        raise OrderError(f"Unknown action {action_code!r}.")
    if not user.has_perm(action.permission):
        raise OrderError(f"You may not {action.label.lower()}.")
    if not selection.get("ids") and "query" not in selection:
        raise OrderError("Select orders first.")
    tab = selection.get("tab", "all")
    if not action.offered_on(tab):
        raise OrderError(f"{action.label} is not offered on the {tab!r} tab.")
    selection_queryset(user, selection)  # a selection that cannot be built is refused now, not in the worker
    job = BulkJob.objects.create(action=action.code, params=params, selection=selection, created_by=user)
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> None:
    try:
        current_app.send_task(RUN_TASK, kwargs={"job_id": job_id})
    except Exception:
        logger.exception("could not queue job %s; the sweeper will", job_id)


# Running ---------------------------------------------------------------------------------------------


def chunk_size() -> int:
    return int(getattr(settings, "BULK_CHUNK_SIZE", 1000))


def _materialise(job: BulkJob) -> int:
    """Turn the selection into result rows, once. Returns how many orders it found: 0 when an earlier
    run materialised the job already. Raises OrderError when the selection cannot be built."""
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job.pk)
        if job.state != BulkJob.State.QUEUED:
            return 0
        orders = selection_queryset(job.created_by, job.selection)
        try:
            sql, params = orders.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a selection that matches nothing by construction (no ids left)
            sql = None
        if sql is not None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO orders_bulkjobresult (job_id, order_id, state, message) "
                    f"SELECT %s, ids.*, 'pending', '' FROM ({sql}) AS ids ON CONFLICT DO NOTHING",
                    [job.pk, *params],
                )
        total = BulkJobResult.objects.filter(job=job).count()
        BulkJob.objects.filter(pk=job.pk).update(
            state=BulkJob.State.RUNNING, total=total, started_at=timezone.now(), heartbeat_at=timezone.now()
        )
    return total


def _enqueue_helpers(job: BulkJob, total: int) -> None:
    """Queue more runners of the same job, up to BULK_JOB_RUNNERS in all and one per chunk: idle worker
    processes take them and claim chunks beside this one."""
    runners = min(int(getattr(settings, "BULK_JOB_RUNNERS", 1)), -(-total // chunk_size()))
    for _ in range(runners - 1):
        enqueue(job.pk)


def _record(job: BulkJob, ids: list[int], outcomes: Outcomes) -> None:
    """Write the chunk's result rows with one UPDATE (orders not in `outcomes` are done) and count them."""
    states, messages = [], []
    for pk in ids:
        state, message = outcomes.get(pk, (BulkJobResult.State.DONE, ""))
        states.append(state)
        messages.append(message[:500])
    with connection.cursor() as cursor:
        # The chunk's deferred foreign-key checks run now rather than at commit, so the job row below is
        # locked only for the moment before commit: runners of the same job wait for each other there.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "UPDATE orders_bulkjobresult AS result SET state = outcome.state, message = outcome.message "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS outcome(order_id, state, message) "
            "WHERE result.job_id = %s AND result.order_id = outcome.order_id",
            [ids, states, messages, job.pk],
        )
    skipped = sum(1 for state, _ in outcomes.values() if state == BulkJobResult.State.SKIPPED)
    failed = sum(1 for state, _ in outcomes.values() if state == BulkJobResult.State.FAILED)
    BulkJob.objects.filter(pk=job.pk).update(
        done_count=F("done_count") + len(ids) - skipped - failed,
        skipped_count=F("skipped_count") + skipped,
        failed_count=F("failed_count") + failed,
        heartbeat_at=timezone.now(),
    )


def _finish(job: BulkJob, state: str = BulkJob.State.DONE, error: str = "") -> None:
    BulkJob.objects.filter(pk=job.pk).exclude(state=BulkJob.State.DONE).update(
        state=state, finished_at=timezone.now(), error=error
    )


def job_refusal(job: BulkJob, *, selection: bool = True) -> str | None:
    """Why this job cannot run, or None: its action is gone, its user may no longer run it, or (for a
    job not started yet) its selection cannot be built: a tab the user cannot see, a filter the list
    refuses."""
    action = ACTIONS.get(job.action)
    user = job.created_by
    if action is None or not (user.is_active and user.has_perm(action.permission)):
        return "The action is unknown or its user may no longer run it."
    if selection:
        try:
            selection_queryset(user, job.selection)
        except OrderError as refusal:
            return str(refusal)
    return None


def job_run(job_id: int) -> None:
    """Run (or resume) a job. Safe to call twice, at once or after a crash. A job always ends: done,
    or failed with the reason, never left queued or running by an error."""
    try:
        _job_run(job_id)
    except Exception as error:
        logger.exception("job %s stopped by an unexpected error", job_id)
        _finish(
            BulkJob(pk=job_id),
            BulkJob.State.FAILED,
            f"Stopped by an unexpected error ({type(error).__name__}). The orders the report shows as "
            "done were done; the pending ones were not touched.",
        )


def _job_run(job_id: int) -> None:
    job = BulkJob.objects.select_related("created_by").get(pk=job_id)
    if job.finished:
        return
    refusal = job_refusal(job, selection=job.state == BulkJob.State.QUEUED)
    if refusal is not None:
        _finish(job, BulkJob.State.FAILED, refusal)
        return
    action = ACTIONS[job.action]
    actor = Actor.job(job.created_by, job.pk)
    try:
        total = _materialise(job)
    except OrderError as refusal:  # the selection went bad between the check and the lock
        _finish(job, BulkJob.State.FAILED, str(refusal))
        return
    if action.produce is not None:
        _produce(job, action, actor)
        return
    if total:
        _enqueue_helpers(job, total)
    after = 0  # each runner works through the orders in id order
    while True:
        with transaction.atomic():
            # A chunk is the next pending result rows that no other runner holds: a second runner of the
            # same job (a helper, a redelivered task, the sweeper's) skips the rows in flight, and a row
            # committed meanwhile is read again and is no longer pending.
            ids = list(
                BulkJobResult.objects.select_for_update(skip_locked=True)
                .filter(job=job, state=BulkJobResult.State.PENDING, order_id__gt=after)
                .order_by("order_id")
                .values_list("order_id", flat=True)[: chunk_size()]
            )
            if not ids:
                break
            try:
                with transaction.atomic():
                    outcomes = action.apply(ids, actor, job.params)
            except OrderError as refusal:  # the whole chunk refused (a rule that applies to all)
                outcomes = {pk: (BulkJobResult.State.SKIPPED, str(refusal)) for pk in ids}
            _record(job, ids, outcomes)
        after = ids[-1]
    # Checked after this runner's last commit: the runner that commits the last chunk sees none pending.
    if not BulkJobResult.objects.filter(job=job, state=BulkJobResult.State.PENDING).exists():
        _finish(job)


def _produce(job: BulkJob, action: BulkAction, actor: Actor) -> None:
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job.pk)
        if job.finished:
            return
        orders = Order.objects.filter(pk__in=BulkJobResult.objects.filter(job=job).values("order_id"))
        relative, outcomes = action.produce(job, orders, actor)
        ids = list(BulkJobResult.objects.filter(job=job).values_list("order_id", flat=True))
        _record(job, ids, outcomes)
        BulkJob.objects.filter(pk=job.pk).update(file=relative)
    _finish(job)


def job_output_path(job: BulkJob, suffix: str) -> tuple[Path, str]:
    """Where a job writes its file (never a user-supplied name)."""
    relative = f"jobs/job-{job.pk}{suffix}"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, relative


def jobs_sweep(stale_after_seconds: int = 120) -> list[int]:
    """Queue again the jobs whose enqueue was lost or whose worker died (no heartbeat)."""
    now = timezone.now()
    stale = now - timedelta(seconds=stale_after_seconds)
    queued = BulkJob.objects.filter(state=BulkJob.State.QUEUED, created_at__lt=stale)
    running = BulkJob.objects.filter(state=BulkJob.State.RUNNING, heartbeat_at__lt=stale)
    ids = []
    for job in queued.select_related("created_by"):
        # A job that cannot start fails now with the reason, instead of being queued again forever.
        refusal = job_refusal(job)
        if refusal is not None:
            _finish(job, BulkJob.State.FAILED, refusal)
        else:
            ids.append(job.pk)
    ids += list(running.values_list("pk", flat=True))
    for job_id in ids:
        BulkJob.objects.filter(pk=job_id, state=BulkJob.State.RUNNING).update(heartbeat_at=now)
        enqueue(job_id)
    return ids
