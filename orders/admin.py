"""Django admin for orders: a superadmin's escape hatch, and the peer the list benchmark compares to."""

from django.contrib import admin

from orders.models import Channel, Customer, HoldRule, Order, OrderLine, Product, Status, Warehouse


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ["sku", "name", "quantity", "unit_price", "discount", "tax_amount", "line_total"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
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
    readonly_fields = ["number", "stage", "version", "search_vector"]
    inlines = [OrderLineInline]
    raw_id_fields = ["customer", "assigned_csr", "assigned_agent", "deleted_by", "held_from"]

    def has_delete_permission(self, request, obj=None):
        return False  # soft delete only, through the application


admin.site.register([Channel, Warehouse, Status, HoldRule])


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "company", "requires_po_number"]
    search_fields = ["name", "email", "phone", "company"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "price", "tax_rate", "active"]
    search_fields = ["sku", "name", "barcode"]
