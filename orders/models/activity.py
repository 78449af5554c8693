"""The hourly summary of orders created and shipped, per channel, that the dashboard's charts read.

Written by the database, not by Django: orders/dashboard/activity.py explains how and why."""

from django.db import models

from orders.models.reference import Channel


class OrderActivity(models.Model):
    """A change to the live orders created, and to the moves into Shipped of live orders, in one UTC
    hour of one channel. Several rows may share an hour and channel until they are folded into one;
    readers sum them."""

    hour = models.DateTimeField()
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+", db_index=False)
    created = models.IntegerField(default=0)
    shipped = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["hour", "channel"], name="order_activity_hour")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 channel {self.channel_id}: +{self.created} created, +{self.shipped} shipped"
