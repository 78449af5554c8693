"""Top-level URL map: each app owns its own urls module."""

from django.contrib import admin
from django.urls import include, path

from config import views
from config.api import urls as api_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("orders/", include("orders.urls")),
    path("fulfilment/", include("fulfilment.urls")),
    path("", include("channels.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api_urls()),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
