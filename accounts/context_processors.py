"""Template context shared by every page: the navigation the user's role may use."""

from django.http import HttpRequest

from accounts.navigation import items_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None:
        return {"navigation": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    if getattr(request, "second_factor_gate", False):
        # Signed in with the password only: nothing to offer but the code step (accounts/middleware.py).
        return {"navigation": [], "current_view": current, "second_factor_gate": True}
    return {"navigation": items_for(user), "current_view": current}
