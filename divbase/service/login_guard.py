"""Login rate limiting: failed logins are counted per account and per client address in a sliding window.

Counts live in the database (`login_failures`), so every API process sees the same numbers. An account that
failed `login_max_failures` times in the window, or a client address that failed `login_max_client_failures`
times, is refused until the oldest failure leaves the window (HTTP 429 with `Retry-After`), whatever the
password. A successful login clears the account's failures. The API login and the admin panel share this.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from fastapi import HTTPException
from sqlalchemy import delete, func, select

from divbase.adapters.database import Database
from divbase.adapters.tables import LoginFailureRow, UserRow
from divbase.service.security import verify_password
from divbase.service.settings import ServiceSettings


def _since(settings: ServiceSettings) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=settings.login_window_seconds)


def _retry_after(oldest: datetime | None, settings: ServiceSettings) -> int:
    if oldest is None:
        return settings.login_window_seconds
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    left = (oldest - _since(settings)).total_seconds()
    return max(1, math.ceil(left))


def too_many(seconds: int) -> HTTPException:
    minutes = max(1, math.ceil(seconds / 60))
    return HTTPException(
        status_code=429,
        detail=f"Too many failed logins. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
        headers={"Retry-After": str(seconds)},
    )


def check(db: Database, settings: ServiceSettings, email: str, client: str) -> None:
    """Raise 429 when the account or the client address is locked out."""
    since = _since(settings)
    with db.session() as s:
        for column, value, limit in (
            (LoginFailureRow.email, email, settings.login_max_failures),
            (LoginFailureRow.client, client, settings.login_max_client_failures),
        ):
            count, oldest = s.execute(
                select(func.count(), func.min(LoginFailureRow.at)).where(column == value, LoginFailureRow.at >= since)
            ).one()
            if count >= limit:
                raise too_many(_retry_after(oldest, settings))


def record_failure(db: Database, email: str, client: str) -> None:
    with db.session() as s:
        s.add(LoginFailureRow(email=email[:320], client=client[:64]))


def clear(db: Database, email: str) -> None:
    with db.session() as s:
        s.execute(delete(LoginFailureRow).where(LoginFailureRow.email == email))


def purge(db: Database, settings: ServiceSettings) -> int:
    """Drop failures that left the window (cron)."""
    with db.session() as s:
        result = s.execute(delete(LoginFailureRow).where(LoginFailureRow.at < _since(settings)))
        return int(getattr(result, "rowcount", 0) or 0)


def authenticate(db: Database, settings: ServiceSettings, email: str, password: str, client: str) -> UserRow | None:
    """The active user with this email and password, or None; HTTP 429 while the account or client is locked."""
    email = email.strip().lower()
    check(db, settings, email, client)
    with db.session() as s:
        user = s.scalar(select(UserRow).where(UserRow.email == email))
    # Always verify (against a dummy hash for unknown users) so both failures take the same time.
    matches = verify_password(password, user.password_hash if user is not None else None)
    if user is None or not matches or not user.is_active:
        record_failure(db, email, client)
        return None
    clear(db, email)
    return user
