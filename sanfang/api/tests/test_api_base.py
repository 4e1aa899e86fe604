"""The API base: token and session authentication, scope, OpenAPI."""

import pytest

from sanfang.accounts.models import ApiToken
from sanfang.accounts.services import api_token_issue

pytestmark = pytest.mark.django_db


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_openapi_is_published(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/compounds" in response.json()["paths"]


def test_anonymous_gets_401(client, world):
    response = client.get("/api/v1/compounds")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_token_auth_and_scope(client, world):
    _, key = api_token_issue(user=world.users["community"], name="test client", actor=world.users["district"])
    response = client.get("/api/v1/compounds", **bearer(key))
    assert response.status_code == 200
    assert {c["code"] for c in response.json()["items"]} == {"K1", "K2"}
    assert client.get("/api/v1/compounds/K3", **bearer(key)).status_code == 404
    assert client.get("/api/v1/compounds/K1", **bearer(key)).json()["community_code"] == "330199001001"


def test_only_the_hash_of_a_token_is_kept(world):
    token, key = api_token_issue(user=world.users["community"], name="x", actor=None)
    assert key not in token.key_hash and ApiToken.objects.filter(key_hash=ApiToken.hash(key)).exists()


def test_revoked_or_wrong_token_is_refused(client, world):
    token, key = api_token_issue(user=world.users["community"], name="x", actor=None)
    assert client.get("/api/v1/compounds", **bearer(key + "x")).status_code == 401
    token.revoked = True
    token.save()
    assert client.get("/api/v1/compounds", **bearer(key)).status_code == 401


def test_session_auth_works_for_the_browser(world, login):
    client = login(world.users["subdistrict"])
    response = client.get("/api/v1/regions/330199001/children")
    assert [r["code"] for r in response.json()] == ["330199001001"]
    assert client.get("/api/v1/regions/330199002").status_code == 404


def test_unknown_region_filter_is_404(world, login):
    assert login(world.users["district"]).get("/api/v1/compounds?region=NOPE").status_code == 404


def test_bad_query_parameter_is_422(world, login):
    response = login(world.users["district"]).get("/api/v1/compounds?limit=abc")
    assert response.status_code == 422
    assert response.json()["errors"]


@pytest.mark.parametrize("query", ["limit=99999999999999999999", "offset=99999999999999999999", "limit=501", "limit=0"])
def test_out_of_range_paging_is_422_not_500(world, login, query):
    response = login(world.users["district"]).get(f"/api/v1/compounds?{query}")
    assert response.status_code == 422


@pytest.mark.parametrize("url", ["/api/v1/compounds?q=%00", "/places/regions/330199/?q=a%00b", "/registry/compounds/K%00/"])
def test_nul_in_an_address_is_400(world, login, url):
    response = login(world.users["district"]).get(url)
    assert response.status_code == 400
