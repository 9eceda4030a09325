"""Passwords and session tokens (divbase.service.security), including the JWT attacks of reliability 3.6."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import jwt
import pytest

from divbase.core.errors import NotAuthorized
from divbase.service.security import (
    SESSION_MESSAGE,
    decode,
    hash_password,
    issue_tokens,
    verify_password,
)
from divbase.service.settings import ServiceSettings

SETTINGS = ServiceSettings(jwt_secret="unit-test-secret-" + "0" * 48)
OTHER_KEY = "another-secret-that-is-also-long-enough-111"


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {"sub": "7", "type": "access", "iat": now, "exp": now + 60, "jti": str(uuid.uuid4())}
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def sign(payload: dict[str, Any], key: str = SETTINGS.jwt_secret, alg: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=alg)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def rejected(token: str, expected: str = "access") -> None:
    with pytest.raises(NotAuthorized) as info:
        decode(token, SETTINGS, expected)  # type: ignore[arg-type]
    assert info.value.message == SESSION_MESSAGE
    assert "divbase auth login" in info.value.message


def test_password_hash_round_trip() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert verify_password("correct horse battery", hashed)
    assert not verify_password("wrong horse battery", hashed)


def test_password_hashes_are_salted() -> None:
    assert hash_password("same password") != hash_password("same password")


def test_verify_without_or_with_garbage_hash_is_false() -> None:
    assert not verify_password("anything", None)
    assert not verify_password("anything", "not-a-hash")


def test_token_pair_round_trip() -> None:
    pair = issue_tokens(42, SETTINGS)
    assert pair.token_type == "bearer"
    assert pair.expires_in == SETTINGS.access_token_seconds
    access = decode(pair.access_token, SETTINGS, "access")
    refresh = decode(pair.refresh_token, SETTINGS, "refresh")
    assert access.user_id == refresh.user_id == 42
    assert access.sub == "42" and access.type == "access" and refresh.type == "refresh"
    assert access.exp - access.iat == SETTINGS.access_token_seconds
    assert refresh.exp - refresh.iat == SETTINGS.refresh_token_seconds
    assert access.jti != refresh.jti
    uuid.UUID(access.jti)


def test_tokens_are_unique_per_issue() -> None:
    assert issue_tokens(1, SETTINGS).access_token != issue_tokens(1, SETTINGS).access_token


def test_expired_token_is_rejected() -> None:
    now = int(time.time())
    rejected(sign(claims(iat=now - 120, exp=now - 1)))


def test_wrong_key_is_rejected() -> None:
    rejected(sign(claims(), key=OTHER_KEY))


def test_tampered_payload_is_rejected() -> None:
    header, _, signature = sign(claims()).split(".")
    rejected(f"{header}.{b64(claims(sub='1'))}.{signature}")


def test_alg_none_is_rejected() -> None:
    rejected(jwt.encode(claims(), None, algorithm="none"))
    rejected(f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims())}.")


def test_other_algorithms_are_rejected() -> None:
    rejected(sign(claims(), alg="HS512"))


def test_wrong_type_is_rejected() -> None:
    pair = issue_tokens(5, SETTINGS)
    rejected(pair.refresh_token, "access")
    rejected(pair.access_token, "refresh")
    rejected(sign(claims(type="email_verification")))


@pytest.mark.parametrize("missing", ["sub", "type", "iat", "exp", "jti"])
def test_missing_claims_are_rejected(missing: str) -> None:
    rejected(sign(claims(**{missing: None})))


@pytest.mark.parametrize("sub", ["abc", "", "-1", "²"])
def test_non_numeric_subject_is_rejected(sub: str) -> None:
    rejected(sign(claims(sub=sub)))


def test_not_yet_valid_tokens_are_rejected() -> None:
    now = int(time.time())
    rejected(sign(claims(nbf=now + 3600)))
    rejected(sign(claims(iat=now + 3600, exp=now + 7200)))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "é.é.é", "x" * 100_000, "Bearer  x"])
def test_garbage_is_rejected(token: str) -> None:
    rejected(token)


def test_non_hmac_algorithm_setting_is_refused() -> None:
    settings = ServiceSettings(jwt_secret=SETTINGS.jwt_secret, jwt_algorithm="none")
    with pytest.raises(ValueError, match="DIVBASE_JWT_ALGORITHM"):
        issue_tokens(1, settings)
