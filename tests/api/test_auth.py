"""Register, log in, log out: cookies, CSRF, sessions, fixation, expiry, throttling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from atelier.api.auth import passwords, sessions, throttle
from atelier.db.models import LoginThrottle, User, UserSession
from tests.api.conftest import PASSWORD, CsrfClient, db_session


def _login(client: CsrfClient, username: str, password: str = PASSWORD) -> object:
    return client.post("/api/auth/login", json={"username": username, "password": password})


def _set_cookie_headers(response: object) -> list[str]:
    return response.headers.get_list("set-cookie")  # type: ignore[attr-defined, no-any-return]


def test_csrf_endpoint_sets_a_readable_lax_cookie(client: CsrfClient) -> None:
    response = client.get("/api/auth/csrf")
    assert response.status_code == 200
    token = response.json()["token"]
    (cookie,) = [c for c in _set_cookie_headers(response) if c.startswith("atelier_csrf=")]
    assert f"atelier_csrf={token}" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "httponly" not in cookie.lower()
    # Asking again keeps the same token (tabs sharing a cookie must not invalidate each other).
    assert client.get("/api/auth/csrf").json()["token"] == token


def test_register_signs_in_with_an_httponly_lax_session_cookie(client: CsrfClient) -> None:
    response = client.register("Painter_01")
    (cookie,) = [c for c in _set_cookie_headers(response) if c.startswith("atelier_session=")]
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "secure" not in lowered
    body = response.json()
    assert body["username"] == "Painter_01"
    assert body["preferences"]["max_content_level"] == 0
    assert body["onboarded"] is False
    assert client.get("/api/me").status_code == 200


def test_session_cookie_is_secure_when_configured(client: CsrfClient, app: FastAPI) -> None:
    state = client.app.state.atelier  # type: ignore[attr-defined]
    state.settings = state.settings.model_copy(update={"secure_cookies": True})
    # A secure client: httpx only sends Secure cookies over https.
    secure = CsrfClient(app, base_url="https://testserver")
    response = secure.register()
    cookies = _set_cookie_headers(response)
    assert any(c.startswith("atelier_session=") and "secure" in c.lower() for c in cookies)


def test_session_token_is_stored_only_as_its_hash(signed_in_client: CsrfClient) -> None:
    token = signed_in_client.cookies.get(sessions.SESSION_COOKIE)
    assert token
    with db_session(signed_in_client) as db:
        keys = list(db.scalars(select(UserSession.token_hash)))
    assert keys == [sessions.token_hash(token)]
    assert token not in keys


def test_usernames_are_unique_case_insensitively(client: CsrfClient) -> None:
    client.register("Alice")
    other = CsrfClient(client.app)
    for variant in ("alice", "ALICE", "\uff21lice"):  # fullwidth A folds to A under NFKC
        response = other.post(
            "/api/auth/register", json={"username": variant, "password": PASSWORD}
        )
        assert response.status_code == 409
        assert response.json() == {"detail": "username is not available"}


@pytest.mark.parametrize(
    "username", ["ab", "x" * 33, "has space", "<script>", "a'; DROP TABLE users;--", "_lead", ""]
)
def test_bad_usernames_are_refused(client: CsrfClient, username: str) -> None:
    response = client.post("/api/auth/register", json={"username": username, "password": PASSWORD})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "password",
    ["short1!", "password123", "Qwertyuiop", "PASSWORD2024!!", "aaaaaaaaaaaa", "ababababababab"],
)
def test_weak_passwords_are_refused(client: CsrfClient, password: str) -> None:
    response = client.post(
        "/api/auth/register", json={"username": "newcomer", "password": password}
    )
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


def test_password_may_not_contain_the_username(client: CsrfClient) -> None:
    response = client.post(
        "/api/auth/register", json={"username": "zebra", "password": "my zebra is striped"}
    )
    assert response.status_code == 422


def test_login_gives_a_new_session_every_time(client: CsrfClient) -> None:
    client.register("fixme")
    first = client.cookies.get(sessions.SESSION_COOKIE)
    assert _login(client, "FIXME").status_code == 200  # type: ignore[attr-defined]
    second = client.cookies.get(sessions.SESSION_COOKIE)
    assert first and second and first != second


def test_planted_session_cookie_is_not_adopted_by_login(client: CsrfClient) -> None:
    client.register("victim")
    client.cookies.delete(sessions.SESSION_COOKIE)
    planted = "attacker-chosen-token"
    client.cookies.set(sessions.SESSION_COOKIE, planted, domain="testserver.local")
    assert _login(client, "victim").status_code == 200  # type: ignore[attr-defined]
    issued = client.cookies.get(sessions.SESSION_COOKIE)
    assert issued and issued != planted
    attacker = CsrfClient(client.app)
    attacker.cookies.set(sessions.SESSION_COOKIE, planted)
    assert attacker.get("/api/me").status_code == 401


def test_logout_invalidates_the_session_server_side(signed_in_client: CsrfClient) -> None:
    token = signed_in_client.cookies.get(sessions.SESSION_COOKIE)
    response = signed_in_client.post("/api/auth/logout")
    assert response.status_code == 204
    assert signed_in_client.get("/api/me").status_code == 401
    replay = CsrfClient(signed_in_client.app)
    replay.cookies.set(sessions.SESSION_COOKIE, token or "")
    assert replay.get("/api/me").status_code == 401


def test_logout_without_a_session_is_harmless(client: CsrfClient) -> None:
    assert client.post("/api/auth/logout").status_code == 204


def test_expired_sessions_are_refused(signed_in_client: CsrfClient) -> None:
    with db_session(signed_in_client) as db:
        db.execute(update(UserSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        db.commit()
    assert signed_in_client.get("/api/me").status_code == 401


def test_session_lifetime_follows_settings(signed_in_client: CsrfClient) -> None:
    with db_session(signed_in_client) as db:
        created, expires = db.execute(select(UserSession.created_at, UserSession.expires_at)).one()
    assert sessions.as_utc(expires) - sessions.as_utc(created) == timedelta(days=14)


def test_password_change_ends_every_other_session(
    client: CsrfClient, make_user: Callable[..., CsrfClient]
) -> None:
    client.register("rotator")
    laptop = CsrfClient(client.app)
    assert _login(laptop, "rotator").status_code == 200  # type: ignore[attr-defined]
    new_password = "a much better passphrase"
    response = client.post(
        "/api/me/password",
        json={"current_password": PASSWORD, "new_password": new_password},
    )
    assert response.status_code == 204
    assert laptop.get("/api/me").status_code == 401
    assert client.get("/api/me").status_code == 200  # this device got a fresh session
    assert _login(laptop, "rotator").status_code == 401  # type: ignore[attr-defined]
    assert _login(laptop, "rotator", new_password).status_code == 200  # type: ignore[attr-defined]


def test_password_change_needs_the_current_password(signed_in_client: CsrfClient) -> None:
    response = signed_in_client.post(
        "/api/me/password",
        json={"current_password": "not my password", "new_password": "another fine phrase"},
    )
    assert response.status_code == 403
    assert signed_in_client.get("/api/me").status_code == 200


def test_unknown_user_and_wrong_password_answer_identically(client: CsrfClient) -> None:
    client.register("existing")
    anonymous = CsrfClient(client.app)
    wrong = _login(anonymous, "existing", "not the password at all")
    unknown = _login(anonymous, "nobody-here", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401  # type: ignore[attr-defined]
    assert wrong.json() == unknown.json() == {"detail": "wrong username or password"}  # type: ignore[attr-defined]
    assert set(wrong.headers) == set(unknown.headers)  # type: ignore[attr-defined]


def test_unknown_user_costs_a_password_verification(
    client: CsrfClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = passwords.verify_password

    def counting(password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counting)
    assert _login(client, "ghost-user", "whatever it is").status_code == 401  # type: ignore[attr-defined]
    assert calls == [passwords._dummy_hash()]


def test_dummy_hash_costs_what_a_real_hash_costs(real_hasher: object) -> None:
    from argon2 import extract_parameters

    assert extract_parameters(passwords._dummy_hash()) == extract_parameters(
        passwords.hash_password("some long password")
    )


def test_account_is_throttled_after_five_failures(client: CsrfClient) -> None:
    client.register("target")
    attacker = CsrfClient(client.app)
    for _ in range(throttle.ACCOUNT_LIMIT.failures):
        assert _login(attacker, "target", "guess guess guess").status_code == 401  # type: ignore[attr-defined]
    blocked = _login(attacker, "target")  # even the right password waits now
    assert blocked.status_code == 429  # type: ignore[attr-defined]
    assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60  # type: ignore[attr-defined]
    assert blocked.json() == {"detail": "too many failed logins; try again later"}  # type: ignore[attr-defined]
    # Unknown accounts are throttled the same way, so the lock reveals nothing either.
    for _ in range(throttle.ACCOUNT_LIMIT.failures):
        _login(attacker, "no-such-account", "guess guess guess")
    assert _login(attacker, "no-such-account").status_code == 429  # type: ignore[attr-defined]


def test_throttle_window_expires(client: CsrfClient) -> None:
    client.register("patient")
    for _ in range(throttle.ACCOUNT_LIMIT.failures):
        _login(client, "patient", "guess guess guess")
    assert _login(client, "patient").status_code == 429  # type: ignore[attr-defined]
    past = datetime.now(UTC) - timedelta(minutes=16)
    with db_session(client) as db:
        db.execute(update(LoginThrottle).values(window_started_at=past, locked_until=past))
        db.commit()
    assert _login(client, "patient").status_code == 200  # type: ignore[attr-defined]
    with db_session(client) as db:
        keys = set(db.scalars(select(LoginThrottle.key)))
    assert throttle.account_key("patient") not in keys  # success clears the account's count


def test_client_address_is_throttled_across_accounts(
    client: CsrfClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real limit is 20; a smaller one shows the mechanism without 20 hashes.
    monkeypatch.setattr(throttle, "ADDRESS_LIMIT", throttle.Limit(3, timedelta(minutes=15)))
    for name in ("spray-a", "spray-b", "spray-c"):
        assert _login(client, name, "guess guess guess").status_code == 401  # type: ignore[attr-defined]
    assert _login(client, "spray-d", "guess guess guess").status_code == 429  # type: ignore[attr-defined]


def test_failures_are_counted_atomically(client: CsrfClient) -> None:
    with db_session(client) as db:
        for _ in range(7):
            throttle.record_failure(db, "user:counted", throttle.ACCOUNT_LIMIT)
        db.commit()
        failures, locked = db.execute(
            select(LoginThrottle.failures, LoginThrottle.locked_until).where(
                LoginThrottle.key == "user:counted"
            )
        ).one()
        assert failures == 7 and locked is not None
        assert db.scalar(select(func.count()).select_from(LoginThrottle)) == 1


def test_login_rehashes_an_outdated_hash(client: CsrfClient) -> None:
    from argon2 import PasswordHasher, extract_parameters

    client.register("oldtimer")
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    with db_session(client) as db:
        db.execute(update(User).where(User.username_key == "oldtimer").values(password_hash=weak))
        db.commit()
    assert _login(client, "oldtimer").status_code == 200  # type: ignore[attr-defined]
    with db_session(client) as db:
        stored = db.scalar(select(User.password_hash).where(User.username_key == "oldtimer"))
    assert stored and stored != weak
    assert extract_parameters(stored) == extract_parameters(passwords.hash_password("x" * 12))


def test_register_and_login_need_csrf(client: CsrfClient) -> None:
    client.auto_csrf = False
    body = {"username": "nocsrf", "password": PASSWORD}
    assert client.post("/api/auth/register", json=body).status_code == 403
    client.get("/api/auth/csrf")
    response = client.post("/api/auth/login", json=body, headers={"X-CSRF-Token": "forged.token"})
    assert response.status_code == 403


@pytest.mark.parametrize("username", ["nul\x00name", "\x00", "bell\x07", "tab\tname"])
def test_control_characters_in_credentials_are_422_not_500(
    client: CsrfClient, username: str
) -> None:
    # PostgreSQL cannot store NUL at all; such names must never reach a query.
    for path in ("/api/auth/login", "/api/auth/register"):
        response = client.post(path, json={"username": username, "password": PASSWORD})
        assert response.status_code == 422, path


def test_odd_but_printable_login_names_answer_like_unknown_users(client: CsrfClient) -> None:
    response = _login(client, "no such user!", "whatever it is")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert response.json() == {"detail": "wrong username or password"}  # type: ignore[attr-defined]
