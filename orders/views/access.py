"""Who may open an order page, and the order a posted action names, through what the user may see."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest

from orders import selectors
from orders.models import Order

view_required = permission_required("orders.view_order", raise_exception=True)


def posted_order(request: HttpRequest, number: int) -> Order:
    return selectors.order_for(request.user, number)
