"""The order list's columns (django-tables2): headers, which columns sort, and exports later.

The body is rendered by a lean row template (templates/orders/_rows.html), not cell by cell:
django-tables2's per-cell rendering would spend the list's time budget on its own (SPEC 7).
"""

import django_tables2 as tables

from orders.models import Order

# Column name -> the keyset sort key it orders by (orders/selectors.py SORTS).
SORT_KEYS = {"number": "number", "created_at": "created", "total": "total"}


class OrderTable(tables.Table):
    select = tables.CheckBoxColumn(accessor="pk", orderable=False)
    number = tables.Column(verbose_name="Order")
    created_at = tables.DateTimeColumn(verbose_name="Date")
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
            "select", "number", "created_at", "channel", "customer_name", "status", "payment_method", "total",
            "assigned_csr", "assigned_agent",
        ]  # fmt: skip
        orderable = False


def header_columns(sort: str) -> list[dict]:
    """Header cells with the sort link state: what the template needs and nothing more."""
    current_key, descending = sort.lstrip("-"), sort.startswith("-")
    columns = []
    for column in OrderTable([]).columns:
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
