"""The JSON API's customers (issue 18): list and search as the order form's customer search finds them,
one by id, and create through the same service as the order form's "new customer" fields."""

from datetime import datetime
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Path, Query, Router, Status
from pydantic import BaseModel, Field, StringConstraints

from config.api import auth, paging
from config.api.problems import invalid
from orders.api import ERRORS, WRITE_ERRORS
from orders.api_schemas import NO_NUL, Address, NewCustomer
from orders.catalogue import customers_matching
from orders.models import Customer
from orders.services.customers import customer_create

router = Router(tags=["customers"], auth=auth.read)


class CustomerIn(NewCustomer):
    """A new customer; `address` is their default shipping address."""

    address: Address | None = None


class CustomerOut(BaseModel):
    id: int
    name: str
    email: str
    phone: str
    company: str
    requires_po_number: bool = Field(description="B2B: their orders without a PO number go on hold.")
    address: dict
    created_at: datetime


class CustomerPageOut(BaseModel):
    items: list[CustomerOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class CustomerListQuery(BaseModel):
    q: Annotated[str, NO_NUL, StringConstraints(max_length=200)] | None = Field(
        None, description="A part of the name or the start of the email, as the order form's search."
    )
    cursor: Annotated[str, NO_NUL, StringConstraints(max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


def customer_out(customer: Customer) -> dict:
    return {
        "id": customer.pk,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "company": customer.company,
        "requires_po_number": customer.requires_po_number,
        "address": customer.address,
        "created_at": customer.created_at,
    }


@router.get("/customers", response={200: CustomerPageOut, **ERRORS}, summary="List customers")
def list_customers(request: HttpRequest, query: Query[CustomerListQuery]):
    """Oldest first; cursor paging (follow `next_cursor` until it is null)."""
    auth.require(request, "orders.view_customer", "Your role does not see customers.")
    rows, next_cursor = paging.page(
        customers_matching(query.q or ""), key="pk", cursor=query.cursor, limit=query.limit
    )
    return {"items": [customer_out(customer) for customer in rows], "next_cursor": next_cursor}


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS}, summary="Get a customer")
def get_customer(request: HttpRequest, customer_id: int = Path(..., ge=1, le=2**63 - 1)):
    auth.require(request, "orders.view_customer", "Your role does not see customers.")
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise Http404(f"No customer {customer_id}.")
    return customer_out(customer)


@router.post(
    "/customers",
    auth=auth.write,
    response={201: CustomerOut, **WRITE_ERRORS},
    summary="Create a customer",
)
def create_customer(request: HttpRequest, payload: CustomerIn, response: HttpResponse):
    """The same creation as the order form's new customer; the email, when given, must be one."""
    auth.require(request, "orders.add_customer", "Your role does not create customers.")
    if not payload.name.strip():
        raise invalid(("name", "A customer needs a name."))
    if payload.email.strip():
        try:
            validate_email(payload.email.strip())
        except DjangoValidationError:
            raise invalid(("email", "Enter a valid email address.")) from None
    customer = customer_create(
        **payload.model_dump(exclude={"address"}),
        address=payload.address.model_dump() if payload.address else None,
        actor=request.user,
    )
    response["Location"] = f"{request.path.rstrip('/')}/{customer.pk}"
    return Status(201, customer_out(customer))
