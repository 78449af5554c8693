"""The order list: status tabs, search, filters, sorting and keyset paging (SPEC 7's list budget)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from config.replicas import replica_reads
from orders import selectors
from orders.filters import OrderFilter
from orders.jobs.registry import actions_for
from orders.services.list_columns import order_columns_set
from orders.services.saved_views import saved_view_create, saved_view_delete, saved_view_rename, saved_views
from orders.tables import OPTIONAL_COLUMNS, columns_for, header_columns, render_rows
from orders.views.access import view_required


@require_GET
@view_required
@replica_reads()  # the list and its search may come from a read replica (config/replicas)
def order_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    tabs = selectors.tabs_for(user)
    tab = request.GET.get("tab", "all")
    if tab not in dict(tabs):
        tab = "all"
    orders = selectors.orders_for_tab(user, tab)
    filters = OrderFilter(request.GET or None, queryset=orders)
    # A query the list cannot use (a page link from nowhere, a date past the calendar, an id that is
    # no one's) shows why and no orders: neither a 500 nor, quietly, every order.
    problems = filters.problems()
    if problems:
        orders = orders.none()
    elif filters.is_bound:
        orders = filters.qs
    sort = request.GET.get("sort", "-created")
    page = selectors.keyset_page(
        selectors.list_columns(orders),
        sort=sort,
        after="" if problems else request.GET.get("after", ""),
        before="" if problems else request.GET.get("before", ""),
    )
    selectors.mark_partially_shipped(page.rows)
    counts = selectors.tab_counts(user)
    page.matching = (
        0 if problems else selectors.capped_count(orders) if filters.active else counts.get(tab, 0)
    )
    shown = columns_for(user)
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    view = request.GET.get("view", "")
    views = [{**saved, "active": str(saved["id"]) == view} for saved in saved_views(user)]
    context = {
        "tabs": [(key, label, counts.get(key, 0)) for key, label in tabs],
        "tab": tab,
        "saved_views": views,
        "view_active": any(saved["active"] for saved in views),
        "filters": filters,
        "page": page,
        "columns": header_columns(page.sort, shown),
        "rows_html": render_rows(page.rows, shown=shown),
        "column_choices": [(name, label, name in shown) for name, label in OPTIONAL_COLUMNS.items()],
        "filter_controls": filters.controls(),
        "query": query.urlencode(),
        "query_without_sort": _without(query, "sort"),
        "query_without_tab": _without(query, "tab"),
        "cap": selectors.COUNT_CAP,
        "bulk_actions": [] if problems else actions_for(user, tab),
        "problems": problems,
    }
    partial = request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    # htmx swaps only 2xx answers into the page: the filters' own request gets the problems shown.
    status = 400 if problems and not partial else 200
    response = render(
        request, "orders/_list_results.html" if partial else "orders/list.html", context, status=status
    )
    # The same URL answers a fragment to htmx and a page to the browser: caches must tell them apart,
    # or Back after a search shows the bare fragment.
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@view_required
def order_columns(request: HttpRequest) -> HttpResponse:
    """Save the columns the user chose in the list's Columns menu and go back to the list as it was."""
    back = request.POST.get("next", "")
    if not back.startswith(reverse("orders:list")) or back.startswith("//"):
        back = reverse("orders:list")  # only ever back to the order list, never elsewhere
    try:
        order_columns_set(user=request.user, columns=request.POST.getlist("column"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(back)


def _back_to_list(request: HttpRequest, query: str = "") -> HttpResponse:
    return redirect(f"{reverse('orders:list')}?{query}" if query else reverse("orders:list"))


@require_POST
@view_required
def order_view_create(request: HttpRequest) -> HttpResponse:
    """Name the list's current filter: it becomes one of the user's tabs."""
    query = request.POST.get("query", "")
    try:
        view = saved_view_create(user=request.user, name=request.POST.get("name", ""), query=query)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back_to_list(request, query[:2000])
    messages.success(request, f"View “{view['name']}” saved: it is one of your tabs now.")
    return _back_to_list(request, f"{view['query']}&view={view['id']}".lstrip("&"))


@require_POST
@view_required
def order_view_rename(request: HttpRequest, view_id: int) -> HttpResponse:
    try:
        view = saved_view_rename(user=request.user, view_id=view_id, name=request.POST.get("name", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"View renamed “{view['name']}”.")
    return _back_to_list(request)


@require_POST
@view_required
def order_view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    try:
        saved_view_delete(user=request.user, view_id=view_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "View deleted.")
    return _back_to_list(request)


def _without(query, key: str) -> str:
    query = query.copy()
    query.pop(key, None)
    return query.urlencode()
