"""The connection form (add and edit), the backfill's date, and the sync log's filter. The form only
shapes what was typed; connection_create / connection_update decide, and their ConnectionInvalid
errors are put next to the fields they name."""

from datetime import date

from django import forms
from django.utils import timezone

from channels.connections.models import Connection
from channels.marketplaces import KINDS
from orders.models import Warehouse

# Each platform's credentials, under the names its adapter reads them by (base.Access.credentials).
CREDENTIAL_FIELDS: dict[str, tuple[str, ...]] = {
    "shopify": ("access_token",),
    "woocommerce": ("consumer_key", "consumer_secret"),
    # eBay and TikTok Shop: the app's keys and its consent name; the tokens come from the seller's
    # consent ("Authorise" on the connection's page), or are typed when a consent gave them elsewhere.
    "ebay": ("client_id", "client_secret", "ru_name", "refresh_token"),
    "tiktok": ("app_key", "app_secret", "service_id", "shop_cipher"),
}
SETTING_FIELDS = (
    "auto_process",
    "warehouse",
    "paid_gateways",
    "sku_mapping",
    "sync_cancellations",
    "push_tracking",
)
PROCESS, DRAFT = "process", "draft"
EARLIEST_BACKFILL = date(2000, 1, 1)


def _secret(label: str, help_text: str = "") -> forms.CharField:
    # Never pre-filled: render_value=False leaves the input empty even when the form is shown again.
    return forms.CharField(
        label=label,
        required=False,
        max_length=500,
        strip=True,
        help_text=help_text,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class ConnectionForm(forms.Form):
    kind = forms.ChoiceField(
        label="Platform",
        choices=[(kind, label) for kind, label in KINDS.items() if kind in CREDENTIAL_FIELDS],
    )
    name = forms.CharField(label="Name", max_length=100, help_text="How Packline names this shop.")
    shop_url = forms.CharField(
        label="Shop URL", max_length=300, help_text="The shop's own address, e.g. https://acme.myshopify.com"
    )
    api_base_url = forms.CharField(
        label="API base URL", max_length=300, required=False, help_text="Optional: for a sandbox."
    )
    access_token = _secret("Access token", "Admin API access token of the shop's custom app.")
    consumer_key = _secret("Consumer key", "WooCommerce > Settings > Advanced > REST API.")
    consumer_secret = _secret("Consumer secret")
    client_id = _secret("Client ID (App ID)", "eBay developer account > Application keys.")
    client_secret = _secret("Client secret (Cert ID)")
    ru_name = forms.CharField(
        label="RuName (eBay redirect URL name)",
        required=False,
        max_length=500,
        help_text="eBay developer account > User Tokens > Get a Token from eBay via Your Application; "
        "its accept and decline URLs are Packline's eBay callback (shown on the connection's page).",
    )
    refresh_token = _secret(
        "Refresh token", "Optional: the consent gives it when you authorise from the connection's page."
    )
    app_key = _secret("App key", "TikTok Shop Partner Center > App & Service > your app.")
    app_secret = _secret("App secret", "It also signs TikTok Shop's webhooks.")
    service_id = forms.CharField(
        label="Service ID",
        required=False,
        max_length=500,
        help_text="Partner Center > App & Service; the app's redirect URL is Packline's TikTok Shop callback.",
    )
    shop_cipher = forms.CharField(
        label="Shop cipher",
        required=False,
        max_length=500,
        help_text="Optional: the authorisation finds it when the seller authorises one shop.",
    )
    webhook_secret = _secret("Webhook secret", "The secret the shop signs its webhooks with.")
    auto_process = forms.ChoiceField(
        label="New orders",
        choices=[(PROCESS, "Process automatically"), (DRAFT, "Create as draft")],
        initial=PROCESS,
        widget=forms.RadioSelect,
    )
    warehouse = forms.ModelChoiceField(
        label="Default warehouse",
        queryset=Warehouse.objects.filter(active=True),
        required=False,
        empty_label="Packline's default",
    )
    paid_gateways = forms.CharField(
        label="Payment gateways that count as paid",
        required=False,
        max_length=2000,
        help_text="Comma-separated, e.g. shopify_payments, paypal. Empty: every gateway.",
    )
    sku_mapping = forms.CharField(
        label="SKU mapping",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: shop SKU = our SKU. SKUs not listed are taken as they are.",
    )
    sync_cancellations = forms.BooleanField(
        label="Cancel in Packline what is cancelled in the shop", required=False, initial=True
    )
    push_tracking = forms.BooleanField(
        label="Send carrier and tracking number to the shop when an order ships", required=False, initial=True
    )

    def __init__(self, *args, connection: Connection | None = None, **kwargs):
        self.connection = connection
        if connection is not None:
            kwargs.setdefault("initial", self.initial_from(connection))
        super().__init__(*args, **kwargs)
        if connection is not None:
            del self.fields["kind"]  # a connection stays on its platform
            for name in self.credential_names():
                self.fields[name].help_text = "Stored, not shown. Leave empty to keep it."
            self.fields["webhook_secret"].help_text = (
                "Stored, not shown. Leave empty to keep it; a new one replaces it, and the one it replaces "
                "is still accepted until the next change, so the shop can be switched over."
            )
            for kind, names in CREDENTIAL_FIELDS.items():
                if kind != connection.kind:
                    for name in names:
                        del self.fields[name]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    @staticmethod
    def initial_from(connection: Connection) -> dict:
        return {
            "name": connection.name,
            "shop_url": connection.shop_url,
            "api_base_url": connection.api_base_url,
            "auto_process": PROCESS if connection.auto_process else DRAFT,
            "warehouse": connection.warehouse_id,
            "paid_gateways": ", ".join(connection.paid_gateways),
            "sku_mapping": "\n".join(f"{shop} = {ours}" for shop, ours in connection.sku_mapping.items()),
            "sync_cancellations": connection.sync_cancellations,
            "push_tracking": connection.push_tracking,
        }

    def platform_kind(self) -> str:
        if self.connection is not None:
            return self.connection.kind
        return self.cleaned_data.get("kind") or ""

    def credential_names(self) -> tuple[str, ...]:
        kind = self.connection.kind if self.connection is not None else self.data.get("kind", "")
        return CREDENTIAL_FIELDS.get(kind, ())

    def credential_groups(self) -> list[tuple[str, str, list]]:
        """(kind, label, bound fields) of each platform the form asks credentials for."""
        return [
            (kind, KINDS[kind], [self[name] for name in names])
            for kind, names in CREDENTIAL_FIELDS.items()
            if all(name in self.fields for name in names)
        ]

    def clean_paid_gateways(self) -> list[str]:
        text = self.cleaned_data["paid_gateways"]
        return [gateway.strip() for gateway in text.split(",") if gateway.strip()]

    def clean_sku_mapping(self) -> dict[str, str]:
        mapping: dict[str, str] = {}
        problems = []
        for number, line in enumerate(self.cleaned_data["sku_mapping"].splitlines(), start=1):
            if not line.strip():
                continue
            shop, sign, ours = line.partition("=")
            shop, ours = shop.strip(), ours.strip()
            if not sign or not shop or not ours:
                problems.append(f"line {number}: write it as “shop SKU = our SKU”")
            elif shop in mapping and mapping[shop] != ours:
                problems.append(f"line {number}: {shop[:64]!r} is mapped twice")
            else:
                mapping[shop] = ours
            if len(problems) >= 5:
                break
        if problems:
            raise forms.ValidationError("SKU mapping: " + "; ".join(problems) + ".")
        return mapping

    def service_arguments(self) -> dict:
        """What connection_create / connection_update take, from the cleaned data."""
        data = self.cleaned_data
        arguments = {
            "name": data["name"],
            "shop_url": data["shop_url"],
            "api_base_url": data["api_base_url"],
            "credentials": {
                name: data.get(name) or "" for name in CREDENTIAL_FIELDS.get(self.platform_kind(), ())
            },
            "webhook_secret": data["webhook_secret"],
            "auto_process": data["auto_process"] == PROCESS,
            "warehouse": data["warehouse"],
            "paid_gateways": data["paid_gateways"],
            "sku_mapping": data["sku_mapping"],
            "sync_cancellations": data["sync_cancellations"],
            "push_tracking": data["push_tracking"],
        }
        if self.connection is None:
            arguments["kind"] = data["kind"]
        return arguments

    def add_service_errors(self, errors: dict[str, str]) -> None:
        """ConnectionInvalid's errors next to the fields they name; the rest above the form."""
        for key, message in errors.items():
            if key == "credentials":
                names = [
                    name for name in CREDENTIAL_FIELDS.get(self.platform_kind(), ()) if name in self.fields
                ]
                self.add_error(names[0] if names else None, message)
            elif key in self.fields:
                self.add_error(key, message)
            else:
                self.add_error(None, message)


class BackfillForm(forms.Form):
    since = forms.DateField(label="Import orders since", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_since(self) -> date:
        since = self.cleaned_data["since"]
        today = timezone.localdate()
        if since > today:
            raise forms.ValidationError("Choose a day that has been, today at the latest.")
        if since < EARLIEST_BACKFILL:
            raise forms.ValidationError(f"Choose a day after {EARLIEST_BACKFILL:%d %b %Y}.")
        return since
