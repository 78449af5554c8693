"""The subscription form: an http(s) URL and the events, as checkboxes."""

from django import forms

from orders.webhooks.models import WebhookEvent


class SubscriptionForm(forms.Form):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
    active = forms.BooleanField(required=False, initial=True, label="Active")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("The URL must start with http:// or https://.")
        return url
