"""Settings pages for managers: statuses, hold rules, ship-by rules and warehouse calendars."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from orders.errors import OrderError
from orders.forms import WEEKDAYS, HoldRuleForm, ShipByRuleForm, StatusForm, WarehouseCalendarForm
from orders.models import HoldRule, ShipByRule, Status, Warehouse
from orders.services.configuration import hold_rule_save, status_create, status_update
from orders.services.ship_by_rules import ship_by_rule_delete, ship_by_rule_save, warehouse_calendar_save
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


@permission_required("orders.view_shipbyrule", raise_exception=True)
def ship_by_list(request: HttpRequest) -> HttpResponse:
    rules = ShipByRule.objects.select_related("channel", "warehouse")
    warehouses = Warehouse.objects.all()
    weekday_names = dict(WEEKDAYS)
    for warehouse in warehouses:
        warehouse.weekday_names = ", ".join(weekday_names[day] for day in warehouse.working_weekdays)
    return render(request, "orders/settings/ship_by.html", {"rules": rules, "warehouses": warehouses})


def _ship_by_rule_form(request: HttpRequest, rule: ShipByRule | None) -> HttpResponse:
    form = ShipByRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            saved = ship_by_rule_save(rule=form.save(commit=False), actor=request.user)
        except (OrderError, ValidationError) as error:
            form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
        else:
            messages.success(request, f"Ship-by rule “{saved}” saved.")
            return redirect("orders:ship_by_list")
    return render(request, "orders/settings/ship_by_rule_form.html", {"form": form, "rule": rule})


@permission_required("orders.add_shipbyrule", raise_exception=True)
def ship_by_rule_create(request: HttpRequest) -> HttpResponse:
    return _ship_by_rule_form(request, None)


@permission_required("orders.change_shipbyrule", raise_exception=True)
def ship_by_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _ship_by_rule_form(request, get_object_or_404(ShipByRule, pk=pk))


@permission_required("orders.delete_shipbyrule", raise_exception=True)
def ship_by_rule_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(ShipByRule.objects.select_related("channel"), pk=pk)
    if request.method == "POST":
        ship_by_rule_delete(rule_id=rule.pk, actor=request.user)
        messages.success(request, f"Ship-by rule “{rule}” deleted. Orders keep the deadlines they have.")
        return redirect("orders:ship_by_list")
    return render(request, "orders/settings/ship_by_rule_delete.html", {"rule": rule})


@permission_required("orders.change_warehouse", raise_exception=True)
def warehouse_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = get_object_or_404(Warehouse, pk=pk)
    initial = {
        "working_weekdays": warehouse.working_weekdays,
        "holidays": "\n".join(day.isoformat() for day in warehouse.holidays),
        "time_zone": warehouse.time_zone,
    }
    form = WarehouseCalendarForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            warehouse_calendar_save(warehouse_id=warehouse.pk, actor=request.user, **form.cleaned_data)
        except (OrderError, ValidationError) as error:
            form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
        else:
            messages.success(request, f"{warehouse}'s calendar saved.")
            return redirect("orders:ship_by_list")
    context = {"form": form, "warehouse": warehouse, "weekdays": WEEKDAYS}
    return render(request, "orders/settings/warehouse_calendar.html", context)
