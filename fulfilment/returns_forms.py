"""Forms and the list's filters for returns (RMA)."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone

from fulfilment.models import ReturnLine, ReturnReason, ReturnRequest
from orders.filters import DayFilter
from orders.models import Warehouse


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class ReturnFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        field_name="state", choices=ReturnRequest.State.choices, label="Status"
    )
    reason = django_filters.ChoiceFilter(choices=ReturnReason.choices)
    warehouse = django_filters.ModelChoiceFilter(queryset=Warehouse.objects.all())
    created_after = DayFilter(method="filter_created_after", label="From")
    created_before = DayFilter(method="filter_created_before", label="To")

    class Meta:
        model = ReturnRequest
        fields = ["status", "reason", "warehouse"]

    def filter_created_after(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_created_before(self, queryset, name, value):
        return queryset.filter(created_at__lt=_start_of(value + timedelta(days=1)))


class ReturnCreateForm(forms.Form):
    """The reason, a note, and one quantity field per returnable line (line_<id>)."""

    reason = forms.ChoiceField(choices=ReturnReason.choices)
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, returnable: dict | None = None, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if (returnable or {}).get(line.pk)]
        for line in self.lines:
            line.returnable = returnable[line.pk]
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                min_value=0, max_value=line.returnable, required=False, initial=0, label=line.sku
            )

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data[f"line_{line.pk}"]
            for line in self.lines
            if self.cleaned_data.get(f"line_{line.pk}")
        }


class ReturnReceiveForm(forms.Form):
    """What came back per return line (qty_<id>) and what happens to it (disposition_<id>)."""

    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.filter(active=True), empty_label=None)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if line.quantity_open > 0]
        for line in self.lines:
            self.fields[f"qty_{line.pk}"] = forms.IntegerField(
                min_value=0, max_value=line.quantity_open, required=False, initial=line.quantity_counted
            )
            self.fields[f"disposition_{line.pk}"] = forms.ChoiceField(
                choices=ReturnLine.Disposition.choices, initial=line.disposition
            )

    def quantities(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data.get(f"qty_{line.pk}") or 0 for line in self.lines}

    def dispositions(self) -> dict[int, str]:
        return {line.pk: self.cleaned_data[f"disposition_{line.pk}"] for line in self.lines}
