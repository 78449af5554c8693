"""Forms for the warehouse pages."""

from django import forms

from fulfilment.models import Carrier, PackingRecord, PicklistLine, StockItem
from orders import bounds
from orders.models import Product, Warehouse


class ReceiveForm(forms.Form):
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.filter(active=True))
    sku = forms.CharField(max_length=64, label="SKU or barcode")
    quantity = forms.IntegerField(min_value=1, max_value=bounds.integer_range(StockItem, "on_hand")[1])
    bin_code = forms.CharField(max_length=30, required=False, label="Bin")
    reason = forms.CharField(max_length=200, required=False, initial="delivery from supplier")

    def clean(self):
        data = super().clean()
        code = (data.get("sku") or "").strip()
        if code:
            product = (
                Product.objects.filter(sku__iexact=code).first()
                or Product.objects.filter(barcode=code).first()
            )
            if product is None:
                self.add_error("sku", f"No product has the SKU or barcode “{code}”.")
            data["product"] = product
        return data


class AdjustForm(forms.Form):
    counted = forms.IntegerField(min_value=0, max_value=bounds.integer_range(StockItem, "on_hand")[1])
    reason = forms.CharField(max_length=200)


class BatchForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(active=True),
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    count = forms.IntegerField(
        min_value=1,
        max_value=200,
        initial=20,
        widget=forms.NumberInput(attrs={"class": "form-control", "aria-label": "How many"}),
    )


class ShipForm(forms.Form):
    carrier = forms.CharField(max_length=60)
    service = forms.CharField(max_length=60, required=False)
    tracking_number = forms.CharField(max_length=100, required=False)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        # The carrier is chosen from the managed list (issue 19); with no carriers defined at all it
        # stays free text, as before.
        self.carriers = list(Carrier.objects.filter(active=True).values_list("name", flat=True))
        if self.carriers:
            self.fields["carrier"] = forms.ChoiceField(
                choices=[("", "Choose the carrier")] + [(name, name) for name in self.carriers],
                error_messages={"invalid_choice": "Choose one of the carriers in the list, not %(value)s."},
            )
        for line in self.lines:
            open_units = line.quantity - line.quantity_cancelled - line.quantity_shipped
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                min_value=0,
                max_value=max(open_units, 0),
                initial=min(open_units, line.quantity_allocated),
                label=line.sku,
            )

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data[f"line_{line.pk}"]
            for line in self.lines
            if self.cleaned_data.get(f"line_{line.pk}")
        }


class ConfirmForm(forms.Form):
    """A picker's count for one picklist line."""

    line = forms.IntegerField(min_value=1, max_value=bounds.ID_MAX)
    picked = forms.IntegerField(
        min_value=0, max_value=bounds.integer_range(PicklistLine, "quantity_picked")[1], required=False
    )


class PackForm(forms.Form):
    """Closing the box: how many packages and what they weigh, within what the packing record holds."""

    packages = forms.IntegerField(
        min_value=1, max_value=bounds.integer_range(PackingRecord, "packages")[1], required=False
    )
    weight_grams = forms.IntegerField(
        min_value=0, max_value=bounds.integer_range(PackingRecord, "weight_grams")[1], required=False
    )


class CarrierForm(forms.ModelForm):
    """Adding or editing a carrier; the rules themselves are the service's (fulfilment/services/carriers.py)."""

    class Meta:
        model = Carrier
        fields = ["name", "code", "tracking_url_template", "active"]
        labels = {"tracking_url_template": "Tracking page"}
        widgets = {
            "tracking_url_template": forms.TextInput(attrs={"placeholder": "https://…?number={tracking}"})
        }

    def validate_unique(self):
        """The service says when a name or code is taken, in its own words."""

    def _post_clean(self):
        """Leave the model's checks to the service: its message names the rule broken."""
