"""The webhook door is open to shops, which have no session: a delivery is answered by the door itself,
never by a redirect to the sign-in page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_delivery_without_a_session_reaches_the_door(client):
    response = client.post(
        reverse("channels:webhook", args=[987654]), data=b"{}", content_type="application/json"
    )
    assert response.status_code == 404 and response.content == b"No such connection."


def test_the_door_takes_only_posts(client):
    assert client.get(reverse("channels:webhook", args=[987654])).status_code == 405
