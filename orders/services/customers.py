"""Customers: created from the order form's "new customer" fields, or by imports."""

from django.db import transaction

from orders.actors import as_actor
from orders.errors import OrderError
from orders.models import Customer


@transaction.atomic
def customer_create(
    *, name: str, actor, email: str = "", phone: str = "", company: str = "", requires_po_number: bool = False,
    address: dict | None = None,
) -> Customer:  # fmt: skip
    actor = as_actor(actor)
    if not actor.has_perm("orders.add_customer"):
        raise OrderError("You may not create customers.")
    if not name.strip():
        raise OrderError("A customer needs a name.")
    return Customer.objects.create(
        name=name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        company=company.strip(),
        requires_po_number=requires_po_number,
        address=address or {},
    )
