"""Payments, expenses, refunds and remittance (included by orders/urls.py, in the orders namespace)."""

from django.urls import path

from orders.money import views

urlpatterns = [
    path("<int:number>/payments/", views.payment_record_view, name="payment_record"),
    path("<int:number>/payments/failed/", views.payment_failure_view, name="payment_failure"),
    path("<int:number>/payments/<int:pk>/reverse/", views.payment_reverse_view, name="payment_reverse"),
    path("<int:number>/expenses/", views.expense_record_view, name="expense_record"),
    path("<int:number>/expenses/<int:pk>/reverse/", views.expense_reverse_view, name="expense_reverse"),
    path("<int:number>/refunds/", views.refund_record_view, name="refund_record"),
    path("<int:number>/refunds/<int:pk>/execute/", views.refund_execute_view, name="refund_execute"),
    path("<int:number>/refunds/<int:pk>/reverse/", views.refund_reverse_view, name="refund_reverse"),
    path("remittance/", views.remittance_list, name="remittances"),
    path("remittance/<int:agent_id>/", views.remittance_detail, name="remittance"),
    path("remittance/<int:agent_id>/remit/", views.remittance_mark_view, name="remittance_mark"),
    path(
        "remittance/<int:agent_id>/reverse/<int:pk>/",
        views.remittance_reverse_view,
        name="remittance_reverse",
    ),
]
