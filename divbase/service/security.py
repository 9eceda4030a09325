"""Passwords (Argon2id via pwdlib) and session tokens (HMAC-signed JWTs via PyJWT).

Tokens carry `sub` (the user id as a string), `type` (`access` or `refresh`), `iat`, `exp`, `jti` (uuid4) and
`gen` (the user's session generation: bumping it ends every session). Decoding accepts only the configured HMAC
algorithm, no leeway, and needs every claim; any failure becomes `NotAuthorized` with one message, so callers
never learn which check failed. Personal access tokens are random strings (`divbase_pat_...`) of which the
database keeps only the SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal, TypeGuard

import jwt
from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pydantic import BaseModel

from divbase.core.errors import NotAuthorized
from divbase.service.settings import ServiceSettings

TokenType = Literal["access", "refresh"]

SESSION_MESSAGE = "Your session has expired or is invalid. Log in again with 'divbase auth login'."
HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
REQUIRED_CLAIMS = ("sub", "type", "iat", "exp", "jti", "gen")
PAT_PREFIX = "divbase_pat_"


# -- passwords ----------------------------------------------------------------------------------------


@cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so both paths cost one Argon2 run."""
    return _hasher().hash(uuid.uuid4().hex)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when `password` matches; a missing or unreadable hash still costs one verification."""
    if password_hash is None:
        _hasher().verify(password, _dummy_hash())
        return False
    try:
        return _hasher().verify(password, password_hash)
    except PwdlibError:
        _hasher().verify(password, _dummy_hash())
        return False


# -- tokens -------------------------------------------------------------------------------------------


class TokenPair(BaseModel):
    """What login and refresh return; `expires_in` is the access token's lifetime in seconds."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


@dataclass(frozen=True)
class Claims:
    sub: str
    type: TokenType
    iat: int
    exp: int
    jti: str
    gen: int

    @property
    def user_id(self) -> int:
        return int(self.sub)


def _algorithm(settings: ServiceSettings) -> str:
    if settings.jwt_algorithm not in HMAC_ALGORITHMS:
        raise ValueError(
            f"DIVBASE_JWT_ALGORITHM is {settings.jwt_algorithm!r}; it must be one of {', '.join(HMAC_ALGORITHMS)}."
        )
    return settings.jwt_algorithm


def _encode(user_id: int, kind: TokenType, lifetime: int, settings: ServiceSettings, generation: int) -> str:
    now = int(datetime.now(UTC).timestamp())
    payload = {
        "sub": str(user_id),
        "type": kind,
        "iat": now,
        "exp": now + lifetime,
        "jti": str(uuid.uuid4()),
        "gen": generation,
    }
    return jwt.encode(payload, settings.jwt_secret, algorithm=_algorithm(settings))


def issue_tokens(user_id: int, settings: ServiceSettings, generation: int = 0) -> TokenPair:
    return TokenPair(
        access_token=_encode(user_id, "access", settings.access_token_seconds, settings, generation),
        refresh_token=_encode(user_id, "refresh", settings.refresh_token_seconds, settings, generation),
        expires_in=settings.access_token_seconds,
    )


def new_personal_token() -> tuple[str, str]:
    """A fresh personal access token and the hash to store."""
    token = PAT_PREFIX + secrets.token_urlsafe(32)
    return token, hash_personal_token(token)


def hash_personal_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def is_personal_token(token: str) -> bool:
    return token.startswith(PAT_PREFIX)


def invalid_session() -> NotAuthorized:
    return NotAuthorized(SESSION_MESSAGE)


def decode(token: str, settings: ServiceSettings, expected_type: TokenType) -> Claims:
    """The claims of a valid, unexpired token of `expected_type`; anything else raises `NotAuthorized`."""
    algorithm = _algorithm(settings)
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[algorithm],
            leeway=0,
            options={"require": list(REQUIRED_CLAIMS), "verify_signature": True},
        )
    except (jwt.PyJWTError, ValueError, TypeError, UnicodeError) as exc:
        raise invalid_session() from exc
    return _claims(payload, expected_type)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _claims(payload: dict[str, Any], expected_type: TokenType) -> Claims:
    sub, jti = payload.get("sub"), payload.get("jti")
    if payload.get("type") != expected_type:
        raise invalid_session()
    if not isinstance(sub, str) or not (sub.isascii() and sub.isdigit()) or not isinstance(jti, str) or not jti:
        raise invalid_session()
    iat, exp, gen = payload.get("iat"), payload.get("exp"), payload.get("gen")
    if not (_is_int(iat) and _is_int(exp) and _is_int(gen)):
        raise invalid_session()
    return Claims(sub=sub, type=expected_type, iat=iat, exp=exp, jti=jti, gen=gen)
