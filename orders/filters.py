"""The order list's filters (django-filter); each method calls a query helper, not raw logic.

OrderFilter is the one validator of the list's query string: the filters, the sort and the page
cursors. The list page, the mass actions' "select all matching" and the exports read it through here.
"""

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Exists, OuterRef
from django.utils import timezone

from orders.models import Channel, HoldReason, OrderHold, PaymentMethod, Status, Warehouse
from orders.selectors import SORTS, assignable_agents, assignable_csrs, parse_cursor, search_orders

# The days a date filter accepts: wide enough for any order, far enough from the calendar's ends
# (year 1 and 9999) that a day's start in any time zone, or the day after, still exists.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class DayField(forms.DateField):
    """A calendar day between FIRST_DAY and LAST_DAY."""

    def __init__(self, **kwargs):
        message = f"Enter a date between {FIRST_DAY:%Y-%m-%d} and {LAST_DAY:%Y-%m-%d}."
        kwargs.setdefault(
            "validators", [MinValueValidator(FIRST_DAY, message), MaxValueValidator(LAST_DAY, message)]
        )
        super().__init__(**kwargs)


class DayFilter(django_filters.DateFilter):
    field_class = DayField


SORT_CHOICES = [(key, label) for key, (_column, label) in SORTS.items()]
SORT_CHOICES += [(f"-{key}", f"{label}, descending") for key, label in SORT_CHOICES]


class ListQueryForm(forms.Form):
    """The list's own parameters beside the filters: the sort and the page cursors ("value|id" of the
    last or first row shown, for that sort)."""

    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, label="Sort")
    after = forms.CharField(required=False, max_length=100, label="Page link")
    before = forms.CharField(required=False, max_length=100, label="Page link")

    def clean(self):
        data = super().clean()
        for name in ("after", "before"):
            if data.get(name):
                try:
                    parse_cursor(data.get("sort") or "-created", data[name])
                except ValueError:
                    self.add_error(
                        name, "This page link is not valid for this sort; start again from the first page."
                    )
        return data


SHIP_BY_CHOICES = [("today", "Due today"), ("late", "Late")]
STOCK_CHOICES = [("backordered", "Backordered"), ("allocated", "Allocated")]


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search")
    # Each select's empty choice says what it means ("Any status"), not django-filter's "---------".
    channel = django_filters.ModelChoiceFilter(queryset=Channel.objects.all(), empty_label="Any channel")
    status = django_filters.ModelChoiceFilter(queryset=Status.objects.all(), empty_label="Any status")
    payment_method = django_filters.ChoiceFilter(
        choices=PaymentMethod.choices, label="Payment", empty_label="Any payment"
    )
    assigned_csr = django_filters.ModelChoiceFilter(
        queryset=assignable_csrs(), label="CSR", empty_label="Any CSR"
    )
    assigned_agent = django_filters.ModelChoiceFilter(
        queryset=assignable_agents(), label="Agent", empty_label="Any agent"
    )
    warehouse = django_filters.ModelChoiceFilter(
        queryset=Warehouse.objects.all(), empty_label="Any warehouse"
    )
    created_after = DayFilter(method="filter_created_after", label="From")
    created_before = DayFilter(method="filter_created_before", label="To")
    tags = django_filters.CharFilter(method="filter_tag", label="Tag")
    has_hold = django_filters.ChoiceFilter(
        choices=HoldReason.choices, method="filter_hold", label="Hold reason", empty_label="Held or not"
    )
    ship_by = django_filters.ChoiceFilter(
        choices=SHIP_BY_CHOICES, method="filter_ship_by", label="Ship-by", empty_label="Any ship-by"
    )
    stock = django_filters.ChoiceFilter(
        choices=STOCK_CHOICES, method="filter_stock", label="Stock", empty_label="Any stock"
    )
    shipped_on = DayFilter(method="filter_shipped_on", label="Shipped on")

    class Meta:
        form = ListQueryForm

    def filter_search(self, queryset, name, value):
        return search_orders(queryset, value)

    # Ranges on created_at itself (not created_at::date) so the list's indexes still apply.
    def filter_created_after(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_created_before(self, queryset, name, value):
        return queryset.filter(created_at__lt=_start_of(value + timedelta(days=1)))

    def filter_tag(self, queryset, name, value):
        # An order with no tags contains none; saying so lets PostgreSQL use the partial order_tags index.
        return queryset.filter(tags__contains=[value.strip()]).exclude(tags=[])

    def filter_hold(self, queryset, name, value):
        active = OrderHold.objects.filter(order=OuterRef("pk"), reason=value, released_at__isnull=True)
        return queryset.filter(Exists(active))

    def filter_ship_by(self, queryset, name, value):
        return queryset.late() if value == "late" else queryset.due_today()

    def filter_stock(self, queryset, name, value):
        return queryset.backordered() if value == "backordered" else queryset.allocated()

    def filter_shipped_on(self, queryset, name, value):
        return queryset.shipped_between(_start_of(value), _start_of(value + timedelta(days=1)))

    def controls(self) -> list[dict]:
        """The filter inputs with their options and which one is chosen, worked out once in Python
        (a model choice field would query again, and the template compare each option, per render)."""
        data = self.data if self.is_bound else {}
        controls = []
        for name, field in self.form.fields.items():
            if name == "q" or name not in self.filters:
                continue
            value = str(data.get(name, "") or "")
            control = {
                "name": name,
                "label": field.label or name.replace("_", " ").capitalize(),
                "value": value,
            }
            if isinstance(field, forms.DateField):
                control["kind"] = "date"
            elif hasattr(field, "choices"):
                control["kind"] = "select"
                control["options"] = [
                    (str(getattr(key, "value", key)), label, str(getattr(key, "value", key)) == value)
                    for key, label in field.choices
                ]
            else:
                control["kind"] = "text"
            controls.append(control)
        return controls

    def filter_queryset(self, queryset):
        # The form holds the sort and the page cursors too (ListQueryForm); they are not filters.
        for name, value in self.form.cleaned_data.items():
            if name in self.filters:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_by(self, queryset, query: dict[str, str]):
        """`queryset` filtered by a query string's filters, each value cleaned by the list's own field
        and applied by the list's own filter, as filter_queryset does; for many queries (the
        dashboard's tiles) one unbound OrderFilter serves them all. ValidationError for a bad value."""
        for name, raw in query.items():
            queryset = self.filters[name].filter(queryset, self.form.fields[name].clean(raw))
        return queryset

    def problems(self) -> list[str]:
        """What is wrong with the query string, one sentence per parameter; empty when it is valid."""
        if not self.is_bound or self.form.is_valid():
            return []
        labels = {name: field.label or name for name, field in self.form.fields.items()}
        return [
            f"{labels.get(name, name).capitalize() if name != '__all__' else 'Filter'}: {' '.join(errors)}"
            for name, errors in self.form.errors.items()
        ]

    @property
    def active(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.filters)
