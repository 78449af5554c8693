"""Forms for payments, expenses, refunds and remittances (the services check the rules again)."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone

from orders.models import PaymentMethod
from orders.money.models import ExpenseCategory
from orders.money.selectors import COLLECTED_ON_DELIVERY
from orders.selectors import assignable_agents

AMOUNT = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0.01")}


def agents_for_money_forms():
    """The delivery agents a payment was collected by or an expense paid by."""
    return assignable_agents().order_by("username")


class PaymentForm(forms.Form):
    amount = forms.DecimalField(**AMOUNT)
    method = forms.ChoiceField(choices=PaymentMethod.choices)
    reference = forms.CharField(max_length=100, required=False)
    collected_by = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Not collected by an agent", label="Collected by"
    )

    def __init__(self, *args, collector_only: bool = False, **kwargs):
        """collector_only: a delivery agent records cash or POS they collected, nothing else."""
        super().__init__(*args, **kwargs)
        self.fields["collected_by"].queryset = agents_for_money_forms()
        if collector_only:
            self.fields["method"].choices = [
                (value, label) for value, label in PaymentMethod.choices if value in COLLECTED_ON_DELIVERY
            ]
            del self.fields["collected_by"]


class PaymentFailureForm(forms.Form):
    amount = forms.DecimalField(**AMOUNT, required=False)
    reason = forms.CharField(max_length=300)
    reference = forms.CharField(max_length=100, required=False)


class ExpenseForm(forms.Form):
    category = forms.ChoiceField(choices=ExpenseCategory.choices)
    amount = forms.DecimalField(**AMOUNT)
    paid_by = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="The company", label="Paid by"
    )
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, payer_only: bool = False, **kwargs):
        """payer_only: a delivery agent records what they paid themselves."""
        super().__init__(*args, **kwargs)
        self.fields["paid_by"].queryset = agents_for_money_forms()
        if payer_only:
            del self.fields["paid_by"]


class RefundForm(forms.Form):
    amount = forms.DecimalField(**AMOUNT)
    reason = forms.CharField(max_length=300)
    method = forms.ChoiceField(choices=[("", "Same as the payment"), *PaymentMethod.choices], required=False)


class RefundExecuteForm(forms.Form):
    reference = forms.CharField(max_length=100)


class ReverseForm(forms.Form):
    reason = forms.CharField(max_length=300)


class PeriodForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def period(self):
        """(start, end): the last 30 days unless the form says otherwise."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("start") or today - timedelta(days=30), data.get("end") or today


class RemittanceForm(forms.Form):
    amount = forms.DecimalField(**AMOUNT)
    currency = forms.CharField(max_length=3)
    period_start = forms.DateField(required=False)
    period_end = forms.DateField(required=False)
    note = forms.CharField(max_length=300, required=False)
