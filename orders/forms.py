"""Forms for the order pages. They parse and validate input; services decide and write."""

import dataclasses
from datetime import date
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.forms import formset_factory

from orders import bounds
from orders.inputs import LineInput, OrderInput
from orders.models import ADDRESS_KEYS, Customer, HoldRule, PaymentMethod, ShipByRule, Status, Warehouse
from orders.models.reference import validate_time_zone
from orders.selectors import assignable_agents, assignable_csrs

ADDRESS_FIELDS = ADDRESS_KEYS
# OrderInput's fields a form may fill; the customer and the lines are given to order_input() apart.
ORDER_INPUT_FIELDS = [
    field.name for field in dataclasses.fields(OrderInput) if field.name not in {"customer", "lines"}
]


class LineForm(forms.Form):
    sku = forms.CharField(max_length=bounds.SKU_LENGTH, label="SKU")
    quantity = forms.IntegerField(min_value=1, max_value=bounds.QUANTITY_MAX, initial=1)
    unit_price = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, help_text="Empty: the product's price"
    )
    discount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, initial=0)

    def as_line(self) -> LineInput:
        data = self.cleaned_data
        return LineInput(
            sku=data["sku"].strip(),
            quantity=data["quantity"],
            unit_price=data.get("unit_price"),
            discount=data.get("discount") or Decimal("0"),
        )


LineFormSet = formset_factory(LineForm, extra=0, min_num=1, validate_min=True, can_delete=True)


class OrderForm(forms.Form):
    """The order form of seed 003, used to create and to edit."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(), required=False, widget=forms.HiddenInput
    )
    new_customer_name = forms.CharField(max_length=200, required=False, label="Name")
    new_customer_email = forms.EmailField(required=False, label="Email")
    new_customer_phone = forms.CharField(max_length=40, required=False, label="Phone")
    new_customer_company = forms.CharField(max_length=200, required=False, label="Company")
    new_customer_requires_po = forms.BooleanField(required=False, label="B2B: requires a PO number")

    ship_name = forms.CharField(max_length=200, required=False, label="Recipient")
    ship_line1 = forms.CharField(max_length=200, required=False, label="Street address")
    ship_line2 = forms.CharField(max_length=200, required=False, label="Address line 2")
    ship_city = forms.CharField(max_length=100, required=False, label="City")
    ship_region = forms.CharField(max_length=100, required=False, label="Region")
    ship_postcode = forms.CharField(max_length=20, required=False, label="Postcode")
    ship_country = forms.CharField(
        max_length=2,
        required=False,
        label="Country",
        validators=[RegexValidator(r"^[A-Za-z]{2}$", "Use the two-letter country code, e.g. GB.")],
    )
    ship_phone = forms.CharField(max_length=40, required=False, label="Phone")

    shipping_method = forms.CharField(max_length=100, required=False)
    payment_method = forms.ChoiceField(choices=PaymentMethod.choices, initial=PaymentMethod.CASH)
    delivery_fee = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, initial=Decimal("0.00"))
    amount_paid = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, initial=Decimal("0.00"), label="Already paid"
    )
    po_number = forms.CharField(max_length=100, required=False, label="PO number")
    customer_reference = forms.CharField(max_length=100, required=False)
    gift_message = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    tags = forms.CharField(max_length=400, required=False, help_text="Comma-separated")
    assigned_csr = forms.ModelChoiceField(queryset=assignable_csrs(), required=False, label="CSR")
    assigned_agent = forms.ModelChoiceField(
        queryset=assignable_agents(), required=False, label="Delivery agent"
    )
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.filter(active=True), required=False)
    priority = forms.IntegerField(min_value=-9, max_value=9, initial=0)
    draft = forms.BooleanField(required=False, label="Save as draft (concept)")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_tags(self) -> list[str]:
        tags = sorted({tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()})
        too_long = [tag for tag in tags if len(tag) > bounds.TAG_LENGTH]
        if too_long:  # said, not cut: the CSV import reports the same tag as an error
            raise forms.ValidationError(
                [f"The tag “{tag[:20]}…” is longer than {bounds.TAG_LENGTH} characters." for tag in too_long]
            )
        return tags

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not (data.get("new_customer_name") or "").strip():
            self.add_error("customer", "Choose a customer or enter a new customer's name.")
        return data

    def input_fields(self) -> dict:
        """The OrderInput fields this form fills, by name: every form field named like one, and the
        shipping address from the ship_* fields. A field added to OrderInput and to the form reaches
        creation and editing without a change to the views."""
        data = self.cleaned_data
        values = {}
        for name in ORDER_INPUT_FIELDS:
            if name == "shipping_address":
                values[name] = self.shipping_address()
            elif name in self.fields:
                values[name] = data[name]
        return values

    def order_input(self, *, customer: Customer, lines: list[LineInput]) -> OrderInput:
        """What creation needs from this form; the customer and lines come from elsewhere (a new
        customer is created first, the lines are a formset)."""
        return OrderInput(customer=customer, lines=lines, **self.input_fields())

    def shipping_address(self) -> dict:
        data = self.cleaned_data
        address = {key: (data.get(f"ship_{key}") or "").strip() for key in ADDRESS_FIELDS}
        address["country"] = address["country"].upper()
        return {key: value for key, value in address.items() if value}

    @staticmethod
    def initial_for(order) -> dict:
        initial = {f"ship_{key}": order.shipping_address.get(key, "") for key in ADDRESS_FIELDS}
        initial.update(
            customer=order.customer_id,
            shipping_method=order.shipping_method,
            payment_method=order.payment_method,
            delivery_fee=order.delivery_fee,
            amount_paid=order.amount_paid,
            po_number=order.po_number,
            customer_reference=order.customer_reference,
            gift_message=order.gift_message,
            notes=order.notes,
            tags=", ".join(order.tags),
            assigned_csr=order.assigned_csr_id,
            assigned_agent=order.assigned_agent_id,
            warehouse=order.warehouse_id,
            priority=order.priority,
            version=order.version,
        )
        return initial


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"placeholder": "Why?"}))


class StatusChangeForm(forms.Form):
    status = forms.ModelChoiceField(queryset=Status.objects.all())
    reason = forms.CharField(max_length=300, required=False)


class AssignForm(forms.Form):
    assigned_csr = forms.ModelChoiceField(
        queryset=assignable_csrs(),
        required=False,
        label="CSR",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    assigned_agent = forms.ModelChoiceField(
        queryset=assignable_agents(),
        required=False,
        label="Delivery agent",
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label="Note")


class StatusForm(forms.ModelForm):
    class Meta:
        model = Status
        fields = ["label", "stage", "colour", "position"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}


class HoldRuleForm(forms.ModelForm):
    class Meta:
        model = HoldRule
        fields = ["name", "field", "value", "reason", "active", "position"]

    def clean(self):
        data = super().clean()
        if data.get("field") == HoldRule.Field.TOTAL_OVER:
            try:
                problem = bounds.amount_problem(Decimal(data.get("value", "")), "The amount")
            except ArithmeticError:
                problem = "Enter an amount, e.g. 500.00."
            if problem:  # NaN or Infinity would hold no order, or every one
                self.add_error("value", problem)
        return data


class ShipByRuleForm(forms.ModelForm):
    """A ship-by rule; the scope (channel, method) is unique, checked by the model's constraint."""

    class Meta:
        model = ShipByRule
        fields = ["channel", "shipping_method", "cutoff", "extra_days", "warehouse"]
        widgets = {"cutoff": forms.TimeInput(format="%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].empty_label = "Any channel"
        self.fields["warehouse"].empty_label = "The order's warehouse"
        self.fields["cutoff"].help_text = "24-hour time, e.g. 14:00. " + self.fields["cutoff"].help_text

    def clean_shipping_method(self) -> str:
        return self.cleaned_data["shipping_method"].strip()


WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
HOLIDAYS_MAX = 400


class WarehouseCalendarForm(forms.Form):
    """A warehouse's working weekdays, holidays (one date a line) and time zone."""

    working_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    holidays = forms.CharField(
        required=False,
        widget=forms.Textarea,
        max_length=HOLIDAYS_MAX * 12,
        help_text="One date a line, as 2026-12-25.",
    )
    time_zone = forms.CharField(
        max_length=64,
        required=False,
        validators=[validate_time_zone],
        help_text="e.g. Europe/Berlin. Empty: the installation's.",
    )

    def clean_holidays(self) -> list:
        days, bad = set(), []
        for line in self.cleaned_data["holidays"].splitlines():
            text = line.strip()
            if not text:
                continue
            try:
                days.add(date.fromisoformat(text))
            except ValueError:
                bad.append(text[:20])
        if bad:
            raise forms.ValidationError(f"Not a date as 2026-12-25: {', '.join(bad[:5])}.")
        if len(days) > HOLIDAYS_MAX:
            raise forms.ValidationError(f"At most {HOLIDAYS_MAX} holidays.")
        return sorted(days)

    def clean_working_weekdays(self) -> list[int]:
        days = sorted(set(self.cleaned_data["working_weekdays"]))
        if not days:
            raise forms.ValidationError("Choose at least one working day.")
        return days
