"""The channels app's pages, one namespace ("channels") for every door into orders."""

from django.urls import include, path

app_name = "channels"

urlpatterns = [
    path("imports/", include("channels.csv.urls")),
]
