"""Mass-action pages: submit (with a confirmation step), the job page with progress, reports, files."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from orders.errors import OrderError
from orders.jobs.actions import StatusParams, params_of
from orders.jobs.models import BulkJob, BulkJobResult
from orders.jobs.registry import ACTIONS
from orders.jobs.reports import job_file_response, jobs_visible_to, report_csv
from orders.jobs.runner import job_submit, selection_queryset
from orders.jobs.selectors import failing_jobs

LIST_KEYS = {"after", "before", "sort"}


def _selection(request: HttpRequest) -> dict:
    tab = request.POST.get("tab", "all")
    if request.POST.get("select_all") == "1":
        query = QueryDict(request.POST.get("query", ""), mutable=True)
        for key in LIST_KEYS | {"tab"}:
            query.pop(key, None)
        return {"tab": tab, "query": query.urlencode()}
    return {"tab": tab, "ids": [value for value in request.POST.getlist("order") if value.isdigit()][:5000]}


@require_POST
@login_required
def bulk_submit(request: HttpRequest) -> HttpResponse:
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None or not request.user.has_perm(action.permission):
        messages.error(request, "Choose an action you may run.")
        return redirect(request.META.get("HTTP_REFERER") or "orders:list")
    selection = _selection(request)
    if not selection.get("ids") and "query" not in selection:
        messages.error(request, "Select orders first.")
        return redirect(request.META.get("HTTP_REFERER") or "orders:list")
    try:
        selected = selection_queryset(request.user, selection)
    except OrderError as error:  # a tab the user cannot see, a filter the list refuses
        messages.error(request, str(error))
        return redirect("orders:list")
    form = None
    if action.form is not None:
        kwargs = {"tab": selection["tab"]} if action.form is StatusParams else {}
        form = action.form(request.POST if "confirmed" in request.POST else None, **kwargs)
    needs_step = action.destructive or form is not None
    if needs_step and ("confirmed" not in request.POST or (form is not None and not form.is_valid())):
        count = selected.count()
        consequences = action.consequences(selected) if action.consequences else []
        return render(
            request,
            "orders/bulk_confirm.html",
            {
                "action": action,
                "form": form,
                "count": count,
                "consequences": consequences,
                "selection": selection,
                "post": request.POST,
            },
        )
    try:
        job = job_submit(
            user=request.user,
            action_code=action.code,
            selection=selection,
            params=params_of(form) if form else {},
        )
    except OrderError as error:
        messages.error(request, str(error))
        return redirect("orders:list")
    messages.info(request, f"{job} is running: {action.label}.")
    return redirect("orders:job", pk=job.pk)


def _job_for(request: HttpRequest, pk: int) -> BulkJob:
    return get_object_or_404(jobs_visible_to(request.user), pk=pk)


@require_GET
@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    state = request.GET.get("state", "")
    results = BulkJobResult.objects.filter(job=job).select_related("order")
    if state in BulkJobResult.State.values:
        results = results.filter(state=state)
    context = {
        "job": job,
        "action": ACTIONS.get(job.action),
        "results": results.order_by("pk")[:500],
        "state": state,
    }
    template = "orders/_job_progress.html" if request.htmx else "orders/job.html"
    return render(request, template, context)


@require_GET
@login_required
def job_report(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The per-order report as CSV, streamed."""
    return report_csv(_job_for(request, pk))


@require_GET
@login_required
def job_file(request: HttpRequest, pk: int) -> FileResponse:
    return job_file_response(_job_for(request, pk))


@require_GET
@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    failing = bool(request.GET.get("failing"))
    jobs = failing_jobs(request.user) if failing else BulkJob.objects.filter(created_by=request.user)
    return render(request, "orders/jobs.html", {"jobs": jobs[:50], "actions": ACTIONS, "failing": failing})
