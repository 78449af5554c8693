"""The order list's filters (django-filter); each method calls a query helper, not raw logic."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone

from orders.models import Channel, HoldReason, OrderHold, PaymentMethod, Status, Warehouse
from orders.selectors import assignable_agents, assignable_csrs, search_orders


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search")
    channel = django_filters.ModelChoiceFilter(queryset=Channel.objects.all())
    status = django_filters.ModelChoiceFilter(queryset=Status.objects.all())
    payment_method = django_filters.ChoiceFilter(choices=PaymentMethod.choices, label="Payment")
    assigned_csr = django_filters.ModelChoiceFilter(queryset=assignable_csrs(), label="CSR")
    assigned_agent = django_filters.ModelChoiceFilter(queryset=assignable_agents(), label="Agent")
    warehouse = django_filters.ModelChoiceFilter(queryset=Warehouse.objects.all())
    created_after = django_filters.DateFilter(method="filter_created_after", label="From")
    created_before = django_filters.DateFilter(method="filter_created_before", label="To")
    tags = django_filters.CharFilter(method="filter_tag", label="Tag")
    has_hold = django_filters.ChoiceFilter(
        choices=HoldReason.choices, method="filter_hold", label="Hold reason"
    )

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

    def controls(self) -> list[dict]:
        """The filter inputs with their options and which one is chosen, worked out once in Python
        (a model choice field would query again, and the template compare each option, per render)."""
        data = self.data if self.is_bound else {}
        controls = []
        for name, field in self.form.fields.items():
            if name == "q":
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

    @property
    def active(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.filters)
