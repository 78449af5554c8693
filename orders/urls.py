from django.urls import include, path

from orders import settings_views, views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.order_new, name="new"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("new/totals/", views.order_totals, name="totals"),
    path("customers/search/", views.customer_search, name="customer_search"),
    path("products/search/", views.product_search, name="product_search"),
    path("<int:number>/", views.order_detail, name="detail"),
    path("<int:number>/edit/", views.order_edit, name="edit"),
    path("<int:number>/status/", views.order_change_status, name="change_status"),
    path("<int:number>/lines/", views.order_line_action, name="line_action"),
    path("<int:number>/hold/", views.order_hold_view, name="hold"),
    path("<int:number>/release/", views.order_release_view, name="release"),
    path("<int:number>/cancel/", views.order_cancel_view, name="cancel"),
    path("<int:number>/assign/", views.order_assign_view, name="assign"),
    path("<int:number>/note/", views.order_note_view, name="note"),
    path("<int:number>/delete/", views.order_delete_view, name="delete"),
    path("<int:number>/restore/", views.order_restore_view, name="restore"),
    path("settings/statuses/", settings_views.status_list, name="status_list"),
    path("settings/statuses/new/", settings_views.status_create_view, name="status_create"),
    path("settings/statuses/<int:pk>/", settings_views.status_edit, name="status_edit"),
    path("settings/hold-rules/", settings_views.hold_rule_list, name="hold_rule_list"),
    path("settings/hold-rules/new/", settings_views.hold_rule_create, name="hold_rule_create"),
    path("settings/hold-rules/<int:pk>/", settings_views.hold_rule_edit, name="hold_rule_edit"),
    path("", include("orders.jobs.urls")),
    path("", include("orders.money.urls")),
]
