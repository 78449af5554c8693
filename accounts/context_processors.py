"""Template context shared by every page: the navigation the user's role may use."""

from django.http import HttpRequest

from accounts.navigation import items_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None:
        return {"navigation": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {"navigation": items_for(user), "current_view": current}
