"""The channels app's pages, one namespace ("channels") for every door into orders."""

from django.urls import include, path

from channels.intake.receive import webhook_receive
from channels.marketplaces.ebay.views import account_deletion_endpoint

app_name = "channels"

urlpatterns = [
    path("imports/", include("channels.csv.urls")),
    path("channels/webhooks/<int:connection_id>/", webhook_receive, name="webhook"),
    path("channels/ebay/account-deletion/", account_deletion_endpoint, name="ebay_account_deletion"),
    path("channels/", include("channels.connections.urls")),
    path("orders/<int:number>/buyer-cancellation/", include("channels.cancellations.urls")),
]
