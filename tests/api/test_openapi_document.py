"""The OpenAPI document: made from the code once per process, each caller given its own copy, error
answers declared as application/problem+json."""

import ninja.main
import pytest

from config.api import api
from config.api.problems import CONTENT_TYPE

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(monkeypatch):
    """How many times ninja builds the document, counted from an empty store."""
    monkeypatch.setattr(api, "_schemas", {}, raising=False)
    calls = []
    build = ninja.main.get_schema

    def counted(*args, **kwargs):
        calls.append(kwargs.get("path_prefix"))
        return build(*args, **kwargs)

    monkeypatch.setattr(ninja.main, "get_schema", counted)
    return calls


def test_the_document_is_built_once_and_served_alike_to_every_request(client, builds):
    first = client.get("/api/v1/openapi.json")
    second = client.get("/api/v1/openapi.json")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert builds == ["/api/v1/"]
    created = first.json()["paths"]["/api/v1/orders"]["post"]["responses"]
    assert CONTENT_TYPE in created["422"]["content"] and "application/json" not in created["422"]["content"]
    assert "application/json" in created["201"]["content"]


def test_a_caller_changing_its_copy_changes_nobody_elses(builds):
    mine = api.get_openapi_schema(path_prefix="/api/v1/")
    mine["paths"].clear()
    mine["info"]["title"] = "changed"
    theirs = api.get_openapi_schema(path_prefix="/api/v1/")
    assert theirs["paths"] and theirs["info"]["title"] == "Packline"
    assert builds == ["/api/v1/"]
