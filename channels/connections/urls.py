"""Connected shops' pages, under /channels/ in the channels namespace (channels:connection_list, ...)."""

from django.urls import path

from channels.connections import consent_views, views

urlpatterns = [
    path("", views.connection_list, name="connection_list"),
    path("add/", views.connection_add, name="connection_add"),
    path("<int:pk>/", views.connection_detail, name="connection_detail"),
    path("<int:pk>/edit/", views.connection_edit, name="connection_edit"),
    path("<int:pk>/pause/", views.connection_pause_view, name="connection_pause"),
    path("<int:pk>/resume/", views.connection_resume_view, name="connection_resume"),
    path("<int:pk>/test/", views.connection_test_view, name="connection_test"),
    path("<int:pk>/poll/", views.connection_poll_view, name="connection_poll"),
    path("<int:pk>/backfill/", views.connection_backfill, name="connection_backfill"),
    path("<int:pk>/authorise/", consent_views.connection_authorise, name="connection_authorise"),
    path("oauth/<str:kind>/callback/", consent_views.consent_callback, name="oauth_callback"),
    path("runs/<int:pk>/", views.sync_run, name="sync_run"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery_detail"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry_view, name="delivery_retry"),
    path("pushes/<int:pk>/retry/", views.tracking_push_retry_view, name="tracking_push_retry"),
]
