"""Import pages: upload, template and help, mapping with preview and row errors, progress and reports."""

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from channels.csv.columns import FIELDS, template_rows
from channels.csv.files import ImportRefused
from channels.csv.forms import MappingForm, SavedMappingForm, UploadForm
from channels.csv.models import ImportMapping, ImportOutcome, ImportRowError, OrderImport
from channels.csv.reports import error_lines, report_lines
from channels.csv.services import (
    ImportActionRefused,
    MappingInvalid,
    import_set_mapping,
    import_start,
    import_upload,
    mapping_from_saved,
)
from channels.csv.validation import import_preview

import_required = permission_required("sales_channels.import_orders", raise_exception=True)
SHOWN_ERRORS = 200


def _import_for(request: HttpRequest, pk: int) -> OrderImport:
    """An import is its owner's (superadmins see all); anyone else's answers 404."""
    imports = OrderImport.objects.select_related("created_by")
    if not request.user.is_superuser:
        imports = imports.filter(created_by=request.user)
    return get_object_or_404(imports, pk=pk)


@require_GET
@import_required
def import_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, UploadForm())


def _list_page(request: HttpRequest, form: UploadForm, refusal: str = "", status: int = 200) -> HttpResponse:
    imports = OrderImport.objects.select_related("created_by")
    if not request.user.is_superuser:
        imports = imports.filter(created_by=request.user)
    context = {
        "form": form,
        "imports": imports[:30],
        "refusal": refusal,
        "mappings": ImportMapping.objects.all(),
        "max_mb": f"{settings.IMPORT_MAX_BYTES / 1_000_000:g}",
    }
    return render(request, "channels/list.html", context, status=status)


@require_POST
@import_required
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, form)
    try:
        order_import = import_upload(user=request.user, uploaded_file=form.cleaned_data["file"])
    except ImportRefused as refusal:
        return _list_page(
            request, UploadForm(), refusal=f"{form.cleaned_data['file'].name}: {refusal}", status=400
        )
    except ImportActionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("channels:import_list")
    messages.success(request, f"{order_import}: {order_import.original_name} uploaded; check the mapping.")
    return redirect(order_import)


@require_GET
@import_required
def template_csv(request: HttpRequest) -> HttpResponse:
    output = io.StringIO()
    csv.writer(output, lineterminator="\r\n").writerows(template_rows())
    response = HttpResponse(output.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="packline-order-import-template.csv"'
    return response


@require_GET
@import_required
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "channels/help.html", {"fields": FIELDS})


@require_GET
@import_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    order_import = _import_for(request, pk)
    if request.htmx:
        return render(request, "channels/_progress.html", _progress_context(order_import))
    return _detail_page(request, order_import)


def _progress_context(order_import: OrderImport) -> dict:
    context = {"imp": order_import}
    if order_import.finished:
        context["outcomes"] = ImportOutcome.objects.filter(order_import=order_import).select_related("order")
        context["outcomes"] = context["outcomes"].exclude(result=ImportOutcome.Result.CREATED)[:SHOWN_ERRORS]
    elif order_import.state in (OrderImport.State.READY, OrderImport.State.MAPPING):
        context["row_errors"] = ImportRowError.objects.filter(order_import=order_import)[:SHOWN_ERRORS]
    return context


def _detail_page(request, order_import, form: MappingForm | None = None, status: int = 200) -> HttpResponse:
    editable = order_import.state in (
        OrderImport.State.MAPPING,
        OrderImport.State.VALIDATING,
        OrderImport.State.READY,
    )
    context = _progress_context(order_import)
    context.update(
        {
            "editable": editable,
            "form": form or (MappingForm(order_import=order_import) if editable else None),
            "saved_form": SavedMappingForm() if editable else None,
            "preview": import_preview(order_import=order_import)
            if editable and order_import.group_by is not None and "sku" in order_import.mapping
            else [],
        }
    )
    return render(request, "channels/detail.html", context, status=status)


@require_POST
@import_required
def mapping(request: HttpRequest, pk: int) -> HttpResponse:
    order_import = _import_for(request, pk)
    if "apply_saved" in request.POST:
        saved_form = SavedMappingForm(request.POST)
        if saved_form.is_valid():
            saved = saved_form.cleaned_data["saved"]
            columns, group_by = mapping_from_saved(order_import, saved)
            return _save_mapping(request, order_import, columns, saved.constants, group_by, saved.historical)
        messages.error(request, "Choose a saved mapping.")
        return redirect(order_import)
    form = MappingForm(request.POST, order_import=order_import)
    if not form.is_valid():
        return _detail_page(request, order_import, form, status=200)
    data = form.cleaned_data
    return _save_mapping(
        request,
        order_import,
        form.mapping(),
        form.constants(),
        data["group_by"],
        data["historical"],
        data["save_as"],
        form,
    )


def _save_mapping(request, order_import, columns, constants, group_by, historical, save_as="", form=None):
    try:
        import_set_mapping(
            order_import=order_import, user=request.user, mapping=columns, constants=constants,
            group_by=group_by, historical=historical, save_as=save_as,
        )  # fmt: skip
    except MappingInvalid as invalid:
        form = form or MappingForm(order_import=order_import)
        for key, message in invalid.errors.items():
            name = "group_by" if key == "reference" else f"map_{key}"
            form.add_error(name if name in form.fields else None, message)
        return _detail_page(request, order_import, form)
    except ImportActionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(order_import)
    if save_as:
        messages.success(request, f"Mapping saved as {save_as!r}.")
    return redirect(order_import)


@require_POST
@import_required
def start(request: HttpRequest, pk: int) -> HttpResponse:
    order_import = _import_for(request, pk)
    try:
        import_start(order_import=order_import, user=request.user)
    except ImportActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.info(request, f"{order_import} is running.")
    return redirect(order_import)


def _csv_response(lines, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@import_required
def report(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    order_import = _import_for(request, pk)
    return _csv_response(report_lines(order_import), f"import-{order_import.pk}-report.csv")


@require_http_methods(["GET"])
@import_required
def errors(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    order_import = _import_for(request, pk)
    return _csv_response(error_lines(order_import), f"import-{order_import.pk}-row-errors.csv")
