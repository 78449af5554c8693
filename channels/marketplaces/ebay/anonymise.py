"""An eBay order's payload without its buyer: what erasure keeps of a payload (erasure.py), and what
intake keeps of a later version of an order already erased (channels/intake/erased.py)."""

from orders.services.erasure import ERASED


def erased_payload(payload: dict) -> dict:
    """An eBay order without its buyer: no buyer block (user name, registration address, tax
    address), no checkout notes, and a ship-to that keeps only the country."""
    if not isinstance(payload, dict) or not payload:
        return payload
    erased = {key: value for key, value in payload.items() if key not in ("buyer", "buyerCheckoutNotes")}
    if "buyer" in payload:
        erased["buyer"] = {"username": ERASED}
    instructions = []
    for instruction in payload.get("fulfillmentStartInstructions") or []:
        if isinstance(instruction, dict) and isinstance(instruction.get("shippingStep"), dict):
            step = instruction["shippingStep"]
            ship_to = step.get("shipTo") if isinstance(step.get("shipTo"), dict) else {}
            country = (ship_to.get("contactAddress") or {}).get("countryCode") if ship_to else None
            instruction = {
                **instruction,
                "shippingStep": {
                    **{
                        key: value
                        for key, value in step.items()
                        if key not in ("shipTo", "shipToReferenceId")
                    },
                    "shipTo": {"contactAddress": {"countryCode": country}} if country else {},
                },
            }
        instructions.append(instruction)
    if "fulfillmentStartInstructions" in payload:
        erased["fulfillmentStartInstructions"] = instructions
    return erased
