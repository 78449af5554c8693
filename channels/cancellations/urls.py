"""Answers to a buyer's cancellation request, under the order they belong to."""

from django.urls import path

from channels.cancellations import views

urlpatterns = [
    path("approve/", views.approve, name="buyer_cancellation_approve"),
    path("reject/", views.reject, name="buyer_cancellation_reject"),
]
