from django.urls import path

from orders import job_views, money_views, settings_views, views

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
    path("bulk/", job_views.bulk_submit, name="bulk"),
    path("jobs/", job_views.job_list, name="jobs"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job"),
    path("jobs/<int:pk>/report.csv", job_views.job_report, name="job_report"),
    path("jobs/<int:pk>/file/", job_views.job_file, name="job_file"),
    path("settings/statuses/", settings_views.status_list, name="status_list"),
    path("settings/statuses/new/", settings_views.status_create_view, name="status_create"),
    path("settings/statuses/<int:pk>/", settings_views.status_edit, name="status_edit"),
    path("settings/hold-rules/", settings_views.hold_rule_list, name="hold_rule_list"),
    path("settings/hold-rules/new/", settings_views.hold_rule_create, name="hold_rule_create"),
    path("settings/hold-rules/<int:pk>/", settings_views.hold_rule_edit, name="hold_rule_edit"),
    # Money (issue 7)
    path("<int:number>/payments/", money_views.payment_record_view, name="payment_record"),
    path("<int:number>/payments/failed/", money_views.payment_failure_view, name="payment_failure"),
    path("<int:number>/payments/<int:pk>/reverse/", money_views.payment_reverse_view, name="payment_reverse"),
    path("<int:number>/expenses/", money_views.expense_record_view, name="expense_record"),
    path("<int:number>/expenses/<int:pk>/reverse/", money_views.expense_reverse_view, name="expense_reverse"),
    path("<int:number>/refunds/", money_views.refund_record_view, name="refund_record"),
    path("<int:number>/refunds/<int:pk>/execute/", money_views.refund_execute_view, name="refund_execute"),
    path("<int:number>/refunds/<int:pk>/reverse/", money_views.refund_reverse_view, name="refund_reverse"),
    path("remittance/", money_views.remittance_list, name="remittances"),
    path("remittance/<int:agent_id>/", money_views.remittance_detail, name="remittance"),
    path("remittance/<int:agent_id>/remit/", money_views.remittance_mark_view, name="remittance_mark"),
    path(
        "remittance/<int:agent_id>/reverse/<int:pk>/",
        money_views.remittance_reverse_view,
        name="remittance_reverse",
    ),
]
