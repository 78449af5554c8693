"""Outbound webhook pages (included by orders/urls.py, in the orders namespace)."""

from django.urls import path

from orders.webhooks import views

urlpatterns = [
    path("settings/webhooks/", views.subscription_list, name="webhook_list"),
    path("settings/webhooks/new/", views.subscription_add, name="webhook_add"),
    path("settings/webhooks/<int:pk>/", views.subscription_edit, name="webhook_edit"),
    path("settings/webhooks/<int:pk>/delete/", views.subscription_delete, name="webhook_delete"),
    path("settings/webhooks/<int:pk>/log/", views.subscription_log, name="webhook_log"),
    path("settings/webhooks/<int:pk>/test/", views.subscription_test, name="webhook_test"),
    path(
        "settings/webhooks/<int:pk>/messages/<int:message_id>/resend/",
        views.message_resend,
        name="webhook_resend",
    ),
]
