"""The managed list of carriers (issue 19): added and edited by managers. Shipments keep the name as
text, so editing a carrier never rewrites a shipment; renaming one leaves old shipments with no link
unless the old name is kept as another (inactive) carrier."""

from django.db import IntegrityError, transaction
from django.db.models import Q

from fulfilment.errors import FulfilmentError
from fulfilment.models import Carrier
from orders.actors import as_actor

FIELDS = ("name", "code", "tracking_url_template", "active")


def _checked(name: str, code: str, tracking_url_template: str) -> tuple[str, str, str]:
    name, code, template = name.strip(), code.strip().lower(), tracking_url_template.strip()
    if not name or not code:
        raise FulfilmentError("A carrier needs a name and a code.")
    if template and (Carrier.TRACKING_PLACEHOLDER not in template or not template.startswith("https://")):
        raise FulfilmentError(
            "The tracking page must be an https:// address with {tracking} where the number goes, "
            "e.g. https://www.ups.com/track?tracknum={tracking}."
        )
    return name, code, template


def _save(carrier: Carrier) -> Carrier:
    clash = (
        Carrier.objects.exclude(pk=carrier.pk)
        .filter(Q(name__iexact=carrier.name) | Q(code=carrier.code))
        .exists()
    )
    if clash:
        raise FulfilmentError(f"A carrier named {carrier.name!r} or coded {carrier.code!r} exists already.")
    try:
        with transaction.atomic():
            carrier.save()
    except IntegrityError:
        raise FulfilmentError(
            f"A carrier named {carrier.name!r} or coded {carrier.code!r} exists already."
        ) from None
    return carrier


def _require(actor, permission: str) -> None:
    if not as_actor(actor).has_perm(permission):
        raise FulfilmentError("You may not manage carriers.")


@transaction.atomic
def carrier_create(
    *, name: str, code: str, tracking_url_template: str = "", active: bool = True, actor
) -> Carrier:
    _require(actor, "fulfilment.add_carrier")
    name, code, template = _checked(name, code, tracking_url_template)
    return _save(Carrier(name=name, code=code, tracking_url_template=template, active=active))


@transaction.atomic
def carrier_update(
    *, carrier_id: int, name: str, code: str, tracking_url_template: str = "", active: bool = True, actor
) -> Carrier:
    _require(actor, "fulfilment.change_carrier")
    carrier = Carrier.objects.select_for_update().get(pk=carrier_id)
    carrier.name, carrier.code, carrier.tracking_url_template = _checked(name, code, tracking_url_template)
    carrier.active = active
    return _save(carrier)
