"""Quick end-to-end check of the fixtures: register, me, logout."""

from __future__ import annotations

from collections.abc import Callable

from tests.api.conftest import CsrfClient


def test_registered_client_sees_its_profile(signed_in_client: CsrfClient) -> None:
    response = signed_in_client.get("/api/me")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["username"] == signed_in_client.username
    assert body["preferences"]["max_content_level"] == 0


def test_second_user_is_someone_else(
    signed_in_client: CsrfClient, make_user: Callable[..., CsrfClient]
) -> None:
    other = make_user()
    assert other.get("/api/me").json()["username"] == other.username != signed_in_client.username
