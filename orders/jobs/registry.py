"""The mass actions a list offers (SPEC 4, seed 004): each declares its permission, the tabs that offer
it, its parameters form, and what it does per chunk or once over the selection. Other apps
(fulfilment) register their own in their AppConfig.ready()."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.db.models import QuerySet

from orders.actors import Actor

# {order_id: (state, message)} for the orders of one chunk; orders not named are done.
Outcomes = dict[int, tuple[str, str]]


@dataclass(frozen=True)
class BulkAction:
    code: str
    label: str
    permission: str
    # Tabs that offer the action; None: every tab but Deleted.
    tabs: frozenset[str] | None = None
    destructive: bool = False
    form: type[forms.Form] | None = None
    # Either per chunk (order ids, actor, params) -> outcomes, inside the chunk's transaction ...
    apply: Callable[[list[int], Actor, dict], Outcomes] | None = None
    # ... or once over the whole selection (the job, its orders, the actor), producing a file (exports,
    # merged PDFs). The job is typed `object`: its model names its action through this registry.
    produce: Callable[[object, QuerySet, Actor], tuple[str, Outcomes]] | None = None
    # What running it will do besides the change itself (stock released, refunds recorded), in
    # sentences counted over the selection, for the confirmation step of a destructive action.
    consequences: Callable[[QuerySet], list[str]] | None = None
    extra: dict = field(default_factory=dict)

    def offered_on(self, tab: str) -> bool:
        if self.tabs is None:
            return tab != "deleted"
        return tab in self.tabs


ACTIONS: dict[str, BulkAction] = {}


def register(action: BulkAction) -> BulkAction:
    ACTIONS[action.code] = action
    return action


def actions_for(user, tab: str) -> list[BulkAction]:
    """The actions the list's menu shows on this tab to this user (seed 004)."""
    return [
        action for action in ACTIONS.values() if action.offered_on(tab) and user.has_perm(action.permission)
    ]
