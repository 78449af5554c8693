"""Import forms: the upload, and the mapping of the file's columns (built from its headers)."""

from django import forms

from channels.csv.columns import FIELDS
from channels.csv.models import ImportMapping, OrderImport
from orders.models import Channel, PaymentMethod, Warehouse

NOT_IMPORTED = ""


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file", widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv"})
    )


class MappingForm(forms.Form):
    """One column choice per supported field, a constant where one makes sense, the group-by column,
    historical mode, and a name to save the mapping under."""

    group_by = forms.TypedChoiceField(label="Group rows into orders by", coerce=int)
    historical = forms.BooleanField(
        required=False,
        label="Historical import: keep the file's status, dates and payment state",
    )
    save_as = forms.CharField(required=False, max_length=100, label="Save this mapping as")

    def __init__(self, *args, order_import: OrderImport, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_import = order_import
        columns = [(NOT_IMPORTED, "— not imported —")] + [
            (str(index), header or f"Column {index + 1}") for index, header in enumerate(order_import.headers)
        ]
        self.fields["group_by"].choices = [(NOT_IMPORTED, "— choose the reference column —"), *columns[1:]]
        self.fields["group_by"].initial = order_import.group_by
        self.fields["historical"].initial = order_import.historical
        constants = order_import.constants
        for import_field in FIELDS:
            if import_field.key == "reference":
                continue
            name = f"map_{import_field.key}"
            self.fields[name] = forms.ChoiceField(choices=columns, required=False, label=import_field.label)
            index = order_import.mapping.get(import_field.key)
            self.fields[name].initial = "" if index is None else str(index)
        self.fields["const_channel"] = forms.ChoiceField(
            required=False,
            label="Channel (constant)",
            choices=[("", "—")] + [(c.code, c.name) for c in Channel.objects.filter(active=True)],
        )
        self.fields["const_payment_method"] = forms.ChoiceField(
            required=False, label="Payment method (constant)", choices=[("", "—"), *PaymentMethod.choices]
        )
        self.fields["const_warehouse"] = forms.ChoiceField(
            required=False,
            label="Warehouse (constant)",
            choices=[("", "—")] + [(w.code, w.name) for w in Warehouse.objects.filter(active=True)],
        )
        for key, label in (
            ("shipping_method", "Shipping method"),
            ("currency", "Currency"),
            ("country", "Shipping country"),
        ):
            self.fields[f"const_{key}"] = forms.CharField(
                required=False, max_length=100, label=f"{label} (constant)"
            )
        for key in ("channel", "payment_method", "warehouse", "shipping_method", "currency", "country"):
            self.fields[f"const_{key}"].initial = constants.get(key, "")
        for name, form_field in self.fields.items():
            css = "form-check-input" if name == "historical" else "form-select form-select-sm"
            if isinstance(form_field, forms.CharField):
                css = "form-control form-control-sm"
            form_field.widget.attrs.update({"class": css, "data-testid": name.replace("_", "-")})

    def rows(self):
        """(field, column bound field, constant bound field or None) for the template's table."""
        for import_field in FIELDS:
            if import_field.key == "reference":
                continue
            constant = (
                self[f"const_{import_field.key}"] if f"const_{import_field.key}" in self.fields else None
            )
            yield import_field, self[f"map_{import_field.key}"], constant

    def mapping(self) -> dict[str, int]:
        data = self.cleaned_data
        return {
            import_field.key: int(data[f"map_{import_field.key}"])
            for import_field in FIELDS
            if import_field.key != "reference" and data.get(f"map_{import_field.key}") not in (None, "")
        }

    def constants(self) -> dict[str, str]:
        return {
            name[len("const_") :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("const_") and value
        }


class SavedMappingForm(forms.Form):
    saved = forms.ModelChoiceField(
        queryset=ImportMapping.objects.all(), label="Use a saved mapping", empty_label="—"
    )
