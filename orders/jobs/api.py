"""The JSON API's mass actions (issue 18): submit a job as the order list's action menu does, poll its
progress, read its per-order report, download the file an export produced. The registry, the action's permission, its tabs and its
parameters form are the list's own; the selection is stored as the list stores it and re-filtered
through the user's visible orders when the job runs (orders/jobs/runner.py)."""

import re
from datetime import date, datetime
from typing import Annotated, Literal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from ninja import Header, Path, Query, Router, Status
from pydantic import BaseModel, Field, StringConstraints

from config.api import auth, paging
from config.api.problems import form_problems, invalid
from orders.api import ERRORS, WRITE_ERRORS
from orders.api_schemas import NO_NUL, PaymentMethodName, Strict
from orders.errors import OrderError
from orders.jobs.actions import StatusParams, params_of
from orders.jobs.models import BulkJob, BulkJobResult
from orders.jobs.registry import ACTIONS
from orders.jobs.reports import FILE_TYPES, job_file_response, job_results, jobs_visible_to, report_csv
from orders.jobs.runner import job_submit
from orders.models import Channel, Warehouse
from orders.models import Status as OrderStatus
from orders.selectors import TABS, orders_visible_to

router = Router(tags=["jobs"], auth=auth.read)

TabName = Literal[tuple(key for key, _label in TABS)]  # type: ignore[valid-type]
Short = Annotated[str, NO_NUL, StringConstraints(max_length=150)]
OrderNumber = (
    Annotated[str, NO_NUL, StringConstraints(max_length=30)] | Annotated[int, Field(ge=1, le=2**63 - 1)]
)
_NUMBER = re.compile(r"^(?:[A-Za-z]{1,5}-?)?(\d{1,18})$")
MAX_IDS = 5000  # as many as the list's form sends
JobId = Annotated[int, Path(..., ge=1, le=2**63 - 1)]


class JobFilter(Strict):
    """The order list's tab and filters, as on GET /orders (codes and usernames, not ids)."""

    tab: TabName = "all"  # type: ignore[valid-type]
    q: Annotated[str, NO_NUL, StringConstraints(max_length=200)] | None = None
    status: Short | None = Field(None, description="A status code.")
    channel: Short | None = Field(None, description="A channel code.")
    warehouse: Short | None = Field(None, description="A warehouse code.")
    payment_method: PaymentMethodName | None = None  # type: ignore[valid-type]
    created_after: date | None = Field(None, description="On or after this day.")
    created_before: date | None = Field(None, description="On or before this day.")
    tag: Annotated[str, NO_NUL, StringConstraints(max_length=40)] | None = None
    hold_reason: Annotated[str, NO_NUL, StringConstraints(max_length=40)] | None = None
    csr: Short | None = Field(None, description="The CSR's username.")
    agent: Short | None = Field(None, description="The delivery agent's username.")


class JobSelection(Strict):
    """Either `ids` (order numbers, as picked on the list's `tab`) or `filter` (every order matching
    it when the job runs)."""

    ids: Annotated[list[OrderNumber], Field(min_length=1, max_length=MAX_IDS)] | None = None
    tab: TabName | None = Field(None, description="With ids: the tab they were picked on (default all).")  # type: ignore[valid-type]
    filter: JobFilter | None = None


class JobIn(Strict):
    action: Annotated[str, NO_NUL, StringConstraints(max_length=40)] = Field(
        description="An action's code, as the list's action menu offers it (docs/api.md lists them)."
    )
    selection: JobSelection
    params: dict[Annotated[str, StringConstraints(max_length=40)], str | int | bool | None] = Field(
        default_factory=dict,
        description="The action's parameters: a status by its code, a person by their username.",
    )


class JobOut(BaseModel):
    id: int
    action: str
    label: str
    state: Literal[tuple(BulkJob.State.values)]  # type: ignore[valid-type]
    total: int = Field(description="Orders in the job; 0 until it has started.")
    done: int
    skipped: int
    failed: int
    processed: int
    percent: int
    error: str
    has_file: bool = Field(description="An export's file is ready: GET /api/v1/jobs/{id}/file.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ReportRowOut(BaseModel):
    order: str
    result: Literal[tuple(BulkJobResult.State.values)]  # type: ignore[valid-type]
    reason: str


class ReportPageOut(BaseModel):
    job: JobOut
    items: list[ReportRowOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class ReportQuery(BaseModel):
    result: Literal[tuple(BulkJobResult.State.values)] | None = None  # type: ignore[valid-type]
    cursor: Annotated[str, NO_NUL, StringConstraints(max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 200


def job_out(job: BulkJob) -> dict:
    return {
        "id": job.pk,
        "action": job.action,
        "label": job.label,
        "state": job.state,
        "total": job.total,
        "done": job.done_count,
        "skipped": job.skipped_count,
        "failed": job.failed_count,
        "processed": job.processed,
        "percent": job.percent,
        "error": job.error,
        "has_file": bool(job.file),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


# Selection -------------------------------------------------------------------------------------------


def _pks(user, numbers: list, tab: str) -> list[int]:
    """Order ids for the numbers, through what the user may see on the tab; every number that names
    none is a problem, so nothing is submitted on a half-understood selection."""
    wanted, problems = {}, []
    for index, number in enumerate(numbers):
        matched = _NUMBER.match(str(number).strip())
        if matched is None:
            problems.append((f"selection.ids.{index}", f"{str(number)[:30]!r} is not an order number."))
        else:
            wanted[index] = int(matched.group(1))
    found = dict(
        orders_visible_to(user, deleted=tab == "deleted")
        .filter(number__in=set(wanted.values()))
        .values_list("number", "pk")
    )
    for index, number in wanted.items():
        if number not in found:
            problems.append(
                (f"selection.ids.{index}", f"No order {numbers[index]} that you can see on this tab.")
            )
    if problems:
        raise invalid(*problems)
    return list(dict.fromkeys(found[number] for number in wanted.values()))


def _lookup(model, field: str, value: str | None, name: str, problems: list) -> str:
    if value is None:
        return ""
    pk = model.objects.filter(**{field: value}).values_list("pk", flat=True).first()
    if pk is None:
        problems.append((f"selection.filter.{name}", f"Nothing has the {field} {value!r}."))
        return ""
    return str(pk)


def _filter_query(chosen: JobFilter) -> str:
    """The list's query string for the filter: what the job page and the runner read (OrderFilter)."""
    problems: list[tuple[str, str]] = []
    users = get_user_model()
    data = {
        "q": chosen.q or "",
        "status": _lookup(OrderStatus, "code", chosen.status, "status", problems),
        "channel": _lookup(Channel, "code", chosen.channel, "channel", problems),
        "warehouse": _lookup(Warehouse, "code", chosen.warehouse, "warehouse", problems),
        "payment_method": chosen.payment_method or "",
        "created_after": chosen.created_after.isoformat() if chosen.created_after else "",
        "created_before": chosen.created_before.isoformat() if chosen.created_before else "",
        "tags": chosen.tag or "",
        "has_hold": chosen.hold_reason or "",
        "assigned_csr": _lookup(users, "username", chosen.csr, "csr", problems),
        "assigned_agent": _lookup(users, "username", chosen.agent, "agent", problems),
    }
    if problems:
        raise invalid(*problems)
    query = QueryDict(mutable=True)
    query.update({name: value for name, value in data.items() if value})
    return query.urlencode()


def _selection(user, selection: JobSelection) -> dict:
    """The selection as the list's form stores it: {"tab", "ids"} or {"tab", "query"}."""
    if (selection.ids is None) == (selection.filter is None):
        raise invalid(("selection", "Give ids or filter, not both or neither."))
    if selection.filter is not None:
        if selection.tab is not None:
            raise invalid(("selection.tab", "With a filter, name the tab in the filter."))
        return {"tab": selection.filter.tab, "query": _filter_query(selection.filter)}
    tab = selection.tab or "all"
    return {"tab": tab, "ids": _pks(user, selection.ids, tab)}


# Parameters ------------------------------------------------------------------------------------------


def _form_value(field: forms.Field, value):
    """A status by its code and a person by their username, for the form's choice of ids."""
    if isinstance(field, forms.ModelChoiceField) and isinstance(value, str) and not value.isdigit():
        model = field.queryset.model
        natural = "code" if any(f.name == "code" for f in model._meta.fields) else model.USERNAME_FIELD
        found = field.queryset.filter(**{natural: value}).values_list("pk", flat=True).first()
        return found if found is not None else value
    return "" if value is None else value


def _params(action, tab: str, params: dict) -> dict:
    """The action's parameters through its own form, as the list's confirmation step checks them."""
    if action.form is None:
        if params:
            raise invalid(("params", f"{action.label} takes no parameters."))
        return {}
    form = action.form(data={}, **({"tab": tab} if action.form is StatusParams else {}))
    unknown = sorted(set(params) - set(form.fields))
    if unknown:
        raise invalid(*[(f"params.{name}", f"Not a parameter of {action.label}.") for name in unknown])
    data = {name: _form_value(form.fields[name], value) for name, value in params.items()}
    form = action.form(data=data, **({"tab": tab} if action.form is StatusParams else {}))
    if not form.is_valid():
        raise invalid(*form_problems(form, prefix="params."))
    return params_of(form)


# Endpoints -------------------------------------------------------------------------------------------


@router.post("/jobs", auth=auth.write, response={202: JobOut, **WRITE_ERRORS}, summary="Submit a mass action")
def submit_job(request: HttpRequest, payload: JobIn, response: HttpResponse):
    """Runs on the workers exactly as one submitted from the order list: poll GET /jobs/{id} until
    `state` is done or failed, then read its report."""
    action = ACTIONS.get(payload.action)
    if action is None:
        raise invalid(("action", f"No action has the code {payload.action!r}: {', '.join(sorted(ACTIONS))}."))
    if not request.user.has_perm(action.permission):
        raise PermissionDenied(f"You may not {action.label.lower()}.")
    selection = _selection(request.user, payload.selection)
    params = _params(action, selection["tab"], payload.params)
    try:
        job = job_submit(user=request.user, action_code=action.code, selection=selection, params=params)
    except OrderError as refusal:  # not offered on the tab, a tab the user cannot see, a refused filter
        raise invalid(("selection", str(refusal))) from None
    response["Location"] = f"{request.path.rstrip('/')}/{job.pk}"
    return Status(202, job_out(job))


def _visible_job(request: HttpRequest, job_id: int) -> BulkJob:
    job = jobs_visible_to(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404(f"No job {job_id} of yours.")
    return job


@router.get("/jobs/{job_id}", response={200: JobOut, **ERRORS}, summary="A job's progress")
def get_job(request: HttpRequest, job_id: JobId):
    """A job is its submitter's (superadmins see every one)."""
    return job_out(_visible_job(request, job_id))


@router.get(
    "/jobs/{job_id}/report",
    response={200: ReportPageOut, **ERRORS},
    summary="What a job did to each order",
    openapi_extra={
        "responses": {
            200: {
                "description": "OK",
                "content": {"text/csv": {"schema": {"type": "string", "description": "order,result,reason"}}},
            }
        }
    },
)
def job_report(
    request: HttpRequest,
    job_id: JobId,
    query: Query[ReportQuery],
    accept: str | None = Header(None, alias="Accept"),
):
    """One row per order: done, skipped or failed with the reason (pending while it runs). JSON with
    cursor paging; with `Accept: text/csv`, the job page's whole CSV report in one answer."""
    job = _visible_job(request, job_id)
    if accept and "text/csv" in accept.lower():
        return report_csv(job)
    rows = job_results(job)
    if query.result is not None:
        rows = rows.filter(state=query.result)
    rows, next_cursor = paging.page(rows, key="pk", cursor=query.cursor, limit=query.limit)
    items = [{"order": row.order.display_number, "result": row.state, "reason": row.message} for row in rows]
    return {"job": job_out(job), "items": items, "next_cursor": next_cursor}


@router.get(
    "/jobs/{job_id}/file",
    response=ERRORS,
    summary="Download the file a job produced (an export)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment named packline-job-{id}.csv or .xlsx",
                "content": {
                    media_type: {"schema": {"type": "string", "format": "binary"}}
                    for media_type in FILE_TYPES.values()
                },
            }
        }
    },
)
def job_file(request: HttpRequest, job_id: JobId):
    """The job page's download, for the same jobs: the submitter's own (superadmins: every one). 404
    while the job has no file (`has_file` is false: not an export, or not finished)."""
    return job_file_response(_visible_job(request, job_id))
