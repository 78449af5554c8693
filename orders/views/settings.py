"""Settings pages for managers: statuses and hold rules."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from orders.errors import OrderError
from orders.forms import HoldRuleForm, StatusForm
from orders.models import HoldRule, Status
from orders.services.configuration import hold_rule_save, status_create, status_update
from orders.workflow import Stage


@permission_required("orders.view_status", raise_exception=True)
def status_list(request: HttpRequest) -> HttpResponse:
    statuses = Status.objects.all()
    by_stage = [(stage, [status for status in statuses if status.stage == stage]) for stage in Stage]
    return render(request, "orders/settings/statuses.html", {"by_stage": by_stage})


@permission_required("orders.add_status", raise_exception=True)
def status_create_view(request: HttpRequest) -> HttpResponse:
    form = StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            status = status_create(actor=request.user, **form.cleaned_data)
        except OrderError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Status “{status.label}” added to {status.get_stage_display()}.")
            return redirect("orders:status_list")
    return render(request, "orders/settings/status_form.html", {"form": form, "status": None})


@permission_required("orders.change_status", raise_exception=True)
def status_edit(request: HttpRequest, pk: int) -> HttpResponse:
    status = get_object_or_404(Status, pk=pk)
    form = StatusForm(request.POST or None, instance=status)
    form.fields["stage"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        status_update(
            status_id=status.pk,
            label=data["label"],
            colour=data["colour"],
            position=data["position"],
            actor=request.user,
        )
        messages.success(request, f"Status “{data['label']}” saved.")
        return redirect("orders:status_list")
    return render(request, "orders/settings/status_form.html", {"form": form, "status": status})


@permission_required("orders.view_holdrule", raise_exception=True)
def hold_rule_list(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/settings/hold_rules.html", {"rules": HoldRule.objects.all()})


def _hold_rule_form(request: HttpRequest, rule: HoldRule | None) -> HttpResponse:
    form = HoldRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            saved = hold_rule_save(rule=form.save(commit=False), actor=request.user)
        except OrderError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Hold rule “{saved.name}” saved.")
            return redirect("orders:hold_rule_list")
    return render(request, "orders/settings/hold_rule_form.html", {"form": form, "rule": rule})


@permission_required("orders.add_holdrule", raise_exception=True)
def hold_rule_create(request: HttpRequest) -> HttpResponse:
    return _hold_rule_form(request, None)


@permission_required("orders.change_holdrule", raise_exception=True)
def hold_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _hold_rule_form(request, get_object_or_404(HoldRule, pk=pk))
