"""Django admin for orders: a read-only window for superadmins, and the peer the list benchmark compares to.

Orders, their lines, statuses and hold rules are seen here, never changed: a change made in the admin
would skip the workflow (status), the timeline, the money records (total, amount_paid) and soft
delete. People change them on Packline's own pages, through the services. Events and money records
are not registered at all. The catalogue, customers, channels and warehouses stay editable: they
are reference data outside the order workflow, with no page of their own yet.
"""

from django.contrib import admin

from orders.models import Channel, Customer, HoldRule, Order, OrderLine, Product, Status, Warehouse


class ReadOnly:
    """Shown, never added, changed or deleted through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnly, admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ["sku", "name", "quantity", "unit_price", "discount", "tax_amount", "line_total"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "number", "channel", "channel_order_number", "customer_name", "status", "payment_method",
        "total", "assigned_csr", "assigned_agent", "created_at",
    ]  # fmt: skip
    list_filter = [
        "stage",
        "channel",
        "status",
        "payment_method",
        "assigned_csr",
        "assigned_agent",
        "warehouse",
    ]
    search_fields = [
        "=number",
        "channel_order_number",
        "customer_name",
        "customer_email",
        "customer_phone",
        "po_number",
    ]
    list_select_related = ["channel", "status", "assigned_csr", "assigned_agent"]
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = ["number", "stage", "version"]
    exclude = ["search_vector"]
    inlines = [OrderLineInline]

    def lookup_allowed(self, lookup, value, request=None):
        # Only the sidebar's filters: the admin would otherwise apply any field lookup in the query
        # string, and a value the column cannot hold (an empty array literal for `tags`) reached
        # PostgreSQL and answered 500. A refused lookup answers 400.
        return lookup.split("__", 1)[0] in self.list_filter and super().lookup_allowed(lookup, value, request)


@admin.register(Status)
class StatusAdmin(ReadOnly, admin.ModelAdmin):
    """Statuses are managed on Settings > Statuses (a status's stage never changes under its orders)."""

    list_display = ["label", "stage", "position", "is_builtin"]


@admin.register(HoldRule)
class HoldRuleAdmin(ReadOnly, admin.ModelAdmin):
    """Hold rules are managed on Settings > Hold rules."""

    list_display = ["name", "field", "value", "reason", "active"]


admin.site.register([Channel, Warehouse])


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "company", "requires_po_number"]
    search_fields = ["name", "email", "phone", "company"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "price", "tax_rate", "active"]
    search_fields = ["sku", "name", "barcode"]
