"""The order list's columns each user chooses to see, remembered on the user (User.list_preferences,
key "order_columns"); orders/tables.py columns_for reads them."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from orders.tables import OPTIONAL_COLUMNS


def order_columns_set(*, user, columns: Iterable[str]) -> list[str]:
    """Remember which of the optional columns the user sees (the checkbox and the order number always
    show). An unknown column name is refused with the names that exist, and nothing is saved. Returns
    the columns kept, in the table's order."""
    chosen = set(columns)
    unknown = sorted(chosen - set(OPTIONAL_COLUMNS))
    if unknown:
        raise ValidationError(
            f"There is no column {', '.join(unknown)} on the order list; "
            f"choose among {', '.join(OPTIONAL_COLUMNS)}."
        )
    kept = [name for name in OPTIONAL_COLUMNS if name in chosen]
    User = get_user_model()
    with transaction.atomic():
        # Other pages' preferences in the same field stay as they are, even if saved meanwhile.
        preferences = (
            User.objects.select_for_update().values_list("list_preferences", flat=True).get(pk=user.pk)
        )
        preferences = {**(preferences or {}), "order_columns": kept}
        User.objects.filter(pk=user.pk).update(list_preferences=preferences)
    user.list_preferences = preferences
    return kept
