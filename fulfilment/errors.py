"""Fulfilment's domain errors, with messages a warehouse person can act on."""

from orders.errors import OrderError


class FulfilmentError(OrderError):
    """A pick, pack, ship or stock action that cannot be done as asked."""


class WrongItem(FulfilmentError):
    """A scan that does not belong where it was scanned."""
