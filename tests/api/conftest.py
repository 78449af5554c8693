"""API test helpers: a token per role and a client that sends it."""

import pytest

from accounts.services import api_token_create


@pytest.fixture
def token_for(make_user):
    """token_for(role or user, scopes="read,write") -> plaintext."""

    def make(who, scopes: str = "read,write", **kwargs) -> str:
        user = make_user(who) if isinstance(who, str) else who
        return api_token_create(user=user, name="tests", scopes=scopes, **kwargs)[1]

    return make


@pytest.fixture
def api(client):
    """api(token).get/post(path, ...) with the bearer header; JSON bodies."""

    class Api:
        def __init__(self, token: str | None):
            self.headers = {"Authorization": f"Bearer {token}"} if token else {}

        def get(self, path: str, **params):
            return client.get(f"/api/v1{path}", params, headers=self.headers)

        def post(self, path: str, body=None, headers: dict | None = None):
            return client.post(
                f"/api/v1{path}",
                body if body is not None else {},
                content_type="application/json",
                headers={**self.headers, **(headers or {})},
            )

    return Api
