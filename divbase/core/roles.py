"""Project roles, weakest first: each role can do everything the ones before it can."""

from __future__ import annotations

ROLES = ("READ", "QUERY", "EDIT", "MANAGE")


def allows(role: str | None, needed: str) -> bool:
    """True when `role` is at least `needed`."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)
