"""The order list's filters (django-filter); each method calls a query helper, not raw logic."""

from datetime import datetime, time, timedelta

import django_filters
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
        return queryset.filter(tags__contains=[value.strip()])

    def filter_hold(self, queryset, name, value):
        active = OrderHold.objects.filter(order=OuterRef("pk"), reason=value, released_at__isnull=True)
        return queryset.filter(Exists(active))

    @property
    def active(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.filters)
