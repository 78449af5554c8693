"""The channels app's pages, one namespace ("channels") for every door into orders."""

from django.urls import include, path

from channels.intake.receive import webhook_receive

app_name = "channels"

urlpatterns = [
    path("imports/", include("channels.csv.urls")),
    path("channels/webhooks/<int:connection_id>/", webhook_receive, name="webhook"),
    path("channels/", include("channels.connections.urls")),
    path("orders/<int:number>/buyer-cancellation/", include("channels.cancellations.urls")),
]
