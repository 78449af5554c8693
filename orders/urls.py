from django.urls import include, path

from orders.views import actions, deliveries, detail, form, settings
from orders.views import list as order_list

app_name = "orders"

urlpatterns = [
    path("", order_list.order_list, name="list"),
    path("new/", form.order_new, name="new"),
    path("columns/", order_list.order_columns, name="columns"),
    path("views/", order_list.order_view_create, name="view_create"),
    path("views/<int:view_id>/rename/", order_list.order_view_rename, name="view_rename"),
    path("views/<int:view_id>/delete/", order_list.order_view_delete, name="view_delete"),
    path("deliveries/", deliveries.deliveries, name="deliveries"),
    path("new/totals/", form.order_totals, name="totals"),
    path("customers/search/", form.customer_search, name="customer_search"),
    path("products/search/", form.product_search, name="product_search"),
    path("<int:number>/", detail.order_detail, name="detail"),
    path("<int:number>/edit/", form.order_edit, name="edit"),
    path("<int:number>/status/", actions.order_change_status, name="change_status"),
    path("<int:number>/lines/", actions.order_line_action, name="line_action"),
    path("<int:number>/hold/", actions.order_hold_view, name="hold"),
    path("<int:number>/release/", actions.order_release_view, name="release"),
    path("<int:number>/cancel/", actions.order_cancel_view, name="cancel"),
    path("<int:number>/assign/", actions.order_assign_view, name="assign"),
    path("<int:number>/note/", actions.order_note_view, name="note"),
    path("<int:number>/delete/", actions.order_delete_view, name="delete"),
    path("<int:number>/restore/", actions.order_restore_view, name="restore"),
    path("settings/statuses/", settings.status_list, name="status_list"),
    path("settings/statuses/new/", settings.status_create_view, name="status_create"),
    path("settings/statuses/<int:pk>/", settings.status_edit, name="status_edit"),
    path("settings/hold-rules/", settings.hold_rule_list, name="hold_rule_list"),
    path("settings/hold-rules/new/", settings.hold_rule_create, name="hold_rule_create"),
    path("settings/hold-rules/<int:pk>/", settings.hold_rule_edit, name="hold_rule_edit"),
    path("settings/ship-by/", settings.ship_by_list, name="ship_by_list"),
    path("settings/ship-by/new/", settings.ship_by_rule_create, name="ship_by_rule_create"),
    path("settings/ship-by/<int:pk>/", settings.ship_by_rule_edit, name="ship_by_rule_edit"),
    path("settings/ship-by/<int:pk>/delete/", settings.ship_by_rule_delete_view, name="ship_by_rule_delete"),
    path("settings/ship-by/warehouses/<int:pk>/", settings.warehouse_calendar, name="warehouse_calendar"),
    path("", include("orders.jobs.urls")),
    path("", include("orders.money.urls")),
    path("", include("orders.webhooks.urls")),
]
