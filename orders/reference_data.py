"""Reference data every installation has: one built-in status per stage, the manual and csv channels,
a default warehouse. Used by the data migration and by anything that must restore it (tests)."""

BUILTIN_STATUSES = [
    # code, label, stage, colour
    ("pending", "Pending", "awaiting_payment", "#fd7e14"),
    ("concept", "Concept", "draft", "#adb5bd"),
    ("processing", "Processing", "processing", "#0d6efd"),
    ("picking", "Picking", "picking", "#6610f2"),
    ("picked", "Picked", "picked", "#6f42c1"),
    ("packed", "Packed", "packed", "#d63384"),
    ("shipped", "Shipped", "shipped", "#20c997"),
    ("delivered", "Delivered", "delivered", "#198754"),
    ("failed", "Delivery failed", "delivery_failed", "#dc3545"),
    ("on-hold", "On hold", "on_hold", "#ffc107"),
    ("cancelled", "Cancelled", "cancelled", "#6c757d"),
    ("returned", "Returned", "returned", "#495057"),
]


def ensure_reference_data(apps=None) -> None:
    """Idempotent. `apps` is the migration's app registry, or None for the current models."""
    if apps is None:
        from django.apps import apps
    Status = apps.get_model("orders", "Status")
    if Status.objects.filter(is_builtin=True).count() != len(BUILTIN_STATUSES):
        for position, (code, label, stage, colour) in enumerate(BUILTIN_STATUSES):
            Status.objects.update_or_create(
                code=code,
                defaults={
                    "label": label,
                    "stage": stage,
                    "colour": colour,
                    "position": position * 10,
                    "is_builtin": True,
                },
            )
    Channel = apps.get_model("orders", "Channel")
    Channel.objects.get_or_create(code="manual", defaults={"name": "Manual entry", "kind": "manual"})
    Channel.objects.get_or_create(code="csv", defaults={"name": "CSV import", "kind": "csv"})
    Warehouse = apps.get_model("orders", "Warehouse")
    if not Warehouse.objects.exists():
        Warehouse.objects.create(code="main", name="Main warehouse", is_default=True)
