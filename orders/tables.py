"""The order list's columns (django-tables2): headers, which columns sort, and exports later.

The body is rendered by a lean row template (templates/orders/_rows.html), not cell by cell:
django-tables2's per-cell rendering would spend the list's time budget on its own (SPEC 7).
"""

from itertools import compress

import django_tables2 as tables

from orders.models import Order

# Column name -> the keyset sort key it orders by (orders/selectors.py SORTS).
SORT_KEYS = {"number": "number", "created_at": "created", "total": "total", "ship_by": "ship_by"}


class OrderTable(tables.Table):
    select = tables.CheckBoxColumn(accessor="pk", orderable=False)
    number = tables.Column(verbose_name="Order")
    created_at = tables.DateTimeColumn(verbose_name="Date")
    ship_by = tables.DateTimeColumn(verbose_name="Ship by")
    channel = tables.Column(orderable=False)
    customer_name = tables.Column(verbose_name="Customer", orderable=False)
    status = tables.Column(orderable=False)
    payment_method = tables.Column(verbose_name="Payment", orderable=False)
    total = tables.Column()
    assigned_csr = tables.Column(verbose_name="CSR", orderable=False)
    assigned_agent = tables.Column(verbose_name="Agent", orderable=False)

    class Meta:
        model = Order
        fields = []
        sequence = [
            "select", "number", "created_at", "ship_by", "channel", "customer_name", "status", "payment_method", "total",
            "assigned_csr", "assigned_agent",
        ]  # fmt: skip
        orderable = False


# The cells render_rows builds, in this order (the header's).
COLUMN_NAMES = tuple(column.name for column in OrderTable([]).columns)

# Always shown: the row's checkbox and its link. Every other column a user may hide (the list's
# "Columns" menu; remembered on the user by orders/services/list_columns.py).
ALWAYS_SHOWN = ("select", "number")
OPTIONAL_COLUMNS = {
    column.name: str(column.header) for column in OrderTable([]).columns if column.name not in ALWAYS_SHOWN
}


def columns_for(user) -> tuple[str, ...]:
    """The columns this user sees, in the table's order: their choice, or every column."""
    chosen = (getattr(user, "list_preferences", None) or {}).get("order_columns")
    if not isinstance(chosen, list):
        return (*ALWAYS_SHOWN, *OPTIONAL_COLUMNS)
    return (*ALWAYS_SHOWN, *(name for name in OPTIONAL_COLUMNS if name in chosen))


def header_columns(sort: str, shown: tuple[str, ...] | None = None) -> list[dict]:
    """Header cells with the sort link state: what the template needs and nothing more."""
    current_key, descending = sort.lstrip("-"), sort.startswith("-")
    columns = []
    for column in OrderTable([]).columns:
        if shown is not None and column.name not in shown:
            continue
        key = SORT_KEYS.get(column.name)
        active = key == current_key
        columns.append(
            {
                "name": column.name,
                "header": column.header,
                "sort": key and (f"-{key}" if not active or not descending else key),
                "active": active,
                "descending": descending,
            }
        )
    return columns


def render_rows(orders, status_class: str = "status-", shown: tuple[str, ...] | None = None) -> str:
    """The list's body, built in Python: 50 rows by 10 cells through the template engine cost more than
    the database does (SPEC 7); here they cost about a millisecond. Every value is escaped. `shown`
    names the columns to render (columns_for), every column when None."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.html import escape
    from django.utils.safestring import mark_safe
    from django.utils.timezone import localtime

    prefix = reverse("orders:detail", kwargs={"number": 0})[:-2]  # "/orders/"
    number_prefix = escape(settings.ORDER_NUMBER_PREFIX)
    payment = dict(Order._meta.get_field("payment_method").choices)
    mask = None if shown is None else [name in shown for name in COLUMN_NAMES]
    now = timezone.now()
    ship_by_shown = shown is None or "ship_by" in shown
    rows = []
    for order in orders:
        number = f"{number_prefix}{order.number}"
        channel_number = (
            f'<div class="text-secondary">{escape(order.channel_order_number)}</div>'
            if order.channel_order_number
            else ""
        )
        flag = ' <i class="bi bi-flag-fill text-danger" title="Priority"></i>' if order.priority > 0 else ""
        csr = escape(str(order.assigned_csr)) if order.assigned_csr_id else "—"
        agent = escape(str(order.assigned_agent)) if order.assigned_agent_id else "—"
        partial = (
            ' <span class="badge text-bg-info" data-testid="row-partially-shipped">Partially shipped</span>'
            if getattr(order, "line_partial", False)
            else ""
        )
        state = order.ship_by_state(now) if order.ship_by is not None else ""
        if state == "late" and not ship_by_shown:  # the row says so in words even without its column
            flag += f" {LATE_BADGE}"
        cells = (
            f'<td><input class="form-check-input row-select" type="checkbox" name="order" value="{order.pk}" aria-label="Select {number}"></td>',
            f'<td class="text-nowrap"><a class="fw-semibold" href="{prefix}{order.number}/">{number}</a>{flag}</td>',
            f'<td class="text-nowrap small">{localtime(order.created_at):%d %b %Y %H:%M}</td>',
            _ship_by_cell(order.ship_by, state, localtime),
            f'<td class="small">{escape(order.channel.name)}{channel_number}</td>',
            f'<td class="order-customer">{escape(order.customer_name)}<div class="small text-secondary">{escape(order.customer_email)}</div></td>',
            f'<td><span class="badge {status_class}{order.status_id}">{escape(order.status.label)}</span>{partial}</td>',
            f'<td class="small">{escape(payment.get(order.payment_method, order.payment_method))}</td>',
            f'<td class="text-end text-nowrap">{order.total:,.2f} {escape(order.currency)}</td>',
            f'<td class="small">{csr}</td>',
            f'<td class="small">{agent}</td>',
        )
        row_class = ' class="order-late" data-late="1"' if state == "late" else ""
        rows.append(f"<tr{row_class}>{''.join(cells if mask is None else compress(cells, mask))}</tr>")
    if not rows:
        rows.append(
            f'<tr><td colspan="{len(shown) if shown else len(COLUMN_NAMES)}" class="text-center text-secondary py-5" data-testid="no-orders">No orders match.</td></tr>'
        )
    return mark_safe("".join(rows))  # every value above went through escape()


LATE_BADGE = (
    '<span class="badge text-bg-danger" data-testid="row-late">'
    '<i class="bi bi-alarm-fill" aria-hidden="true"></i> Late</span>'
)


def _ship_by_cell(ship_by, state: str, localtime) -> str:
    """The ship-by cell: the date and time, and "Late" / "Today" in words with an icon (not colour alone)."""
    if ship_by is None:
        return '<td class="small text-secondary">—</td>'
    badge = ""
    if state == "late":
        badge = f" {LATE_BADGE}"
    elif state == "today":
        badge = (
            ' <span class="badge text-bg-warning" data-testid="row-due-today">'
            '<i class="bi bi-clock" aria-hidden="true"></i> Today</span>'
        )
    return f'<td class="text-nowrap small">{localtime(ship_by):%d %b %H:%M}{badge}</td>'


def _rate(rate) -> str:
    """A tax rate as the page shows it: 20, 7.25 (what floatformat:"-2" printed)."""
    return f"{rate:.0f}" if rate == rate.to_integral_value() else f"{rate:.2f}"


_STOCK = {
    "allocated": '<span class="text-success"><i class="bi bi-check-circle-fill"></i> In stock</span>',
    "shipped": '<span class="text-secondary">Shipped</span>',
    "cancelled": '<span class="text-secondary">Cancelled</span>',
}


def render_lines(lines) -> str:
    """The order page's lines with their stock state (SPEC 2.3), built in Python like the list's rows:
    fifty lines through the template engine cost a third of the page's time budget. Every value is
    escaped."""
    from html import escape  # plain data in, and without Django's lazy-string wrapper per call

    from django.utils.safestring import mark_safe

    rows = []
    for line in lines:
        state = line.stock_state
        struck = " text-decoration-line-through" if state in ("shipped", "cancelled") else ""
        unknown = "" if line.product_id else ' <span class="badge text-bg-danger">unknown SKU</span>'
        if state == "backordered":
            allocated = f" ({line.quantity_allocated} allocated)" if line.quantity_allocated else ""
            stock = (
                '<span class="text-danger"><i class="bi bi-exclamation-circle-fill"></i> '
                f"Backordered{allocated}</span>"
            )
        else:
            stock = _STOCK[state]
        if line.quantity_picked or line.quantity_packed or line.quantity_returned:
            stock += (
                f'<div class="text-secondary">picked {line.quantity_picked} · packed {line.quantity_packed}'
                f" · returned {line.quantity_returned}</div>"
            )
        if line.warehouse_id:
            stock += f'<div class="text-secondary">from {escape(str(line.warehouse))}</div>'
        sku = escape(line.sku)
        rows.append(
            f'<tr class="line-{state}" data-testid="line-{sku}">'
            f'<td class="font-monospace{struck}">{sku}</td>'
            f"<td>{escape(line.name)}{unknown}</td>"
            f'<td class="text-end">{line.quantity}</td>'
            f'<td class="text-end">{line.unit_price:,.2f}</td>'
            f'<td class="text-end">{line.discount:,.2f}</td>'
            f'<td class="text-end">{line.tax_amount:,.2f} <span class="text-secondary small">({_rate(line.tax_rate)}%)</span></td>'
            f'<td class="text-end">{line.line_total:,.2f}</td>'
            f'<td class="small">{stock}</td>'
            "</tr>"
        )
    return mark_safe("".join(rows))  # every value above went through escape() or is a number
