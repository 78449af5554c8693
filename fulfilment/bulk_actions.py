"""Fulfilment's mass actions on the order list: ship (fast path), print packing slips, create a picklist."""

from django import forms

from fulfilment.events import FulfilmentEvent
from fulfilment.services import picklist_create, shipment_create
from fulfilment.services.documents import documents_render
from orders import events
from orders.jobs.actions import SKIPPED, each
from orders.jobs.registry import BulkAction, Outcomes, register
from orders.jobs.runner import job_output_path


class ShipParams(forms.Form):
    carrier = forms.CharField(max_length=60)
    service = forms.CharField(max_length=60, required=False)


def apply_fulfil(ids, actor, params) -> Outcomes:
    """Ship every open line of each order (the fast path), or skip it with the reason."""
    return each(
        ids,
        lambda pk: (
            shipment_create(
                order_id=pk, carrier=params["carrier"], service=params.get("service", ""), actor=actor
            )
            and None
        ),
    )


def apply_picklist(ids, actor, params) -> Outcomes:
    """One picklist for the chunk's processing orders; the others are skipped with the reason."""
    _picklist, refusals = picklist_create(order_ids=ids, actor=actor)
    return {pk: (SKIPPED, reason) for pk, reason in refusals.items()}


def produce_slips(job, orders, actor):
    """One merged PDF: a packing slip per order, each on its own pages, as the order page prints one."""
    path, relative = job_output_path(job, ".pdf")
    printed = list(orders.select_related("warehouse", "channel").order_by("number"))
    if printed:
        path.write_bytes(documents_render(orders=printed, kind="packing-slip"))
    events.record_many(printed, actor, FulfilmentEvent.DOCUMENT_PRINTED, document="Packing slip", job=job.pk)
    return relative, {}


def register_fulfilment_actions() -> None:
    register(BulkAction("fulfil", "Fulfil (ship)", "fulfilment.ship_order", tabs=frozenset({"processing", "packed", "all"}),
                        form=ShipParams, apply=apply_fulfil))  # fmt: skip
    register(BulkAction("create_picklist", "Create picklist", "fulfilment.pick_order", tabs=frozenset({"processing"}),
                        apply=apply_picklist))  # fmt: skip
    register(
        BulkAction("print_slips", "Print packing slips", "fulfilment.print_documents", produce=produce_slips)
    )
