"""Hypothesis strategies shared by the planner's property and differential tests."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def partitions(draw: st.DrawFn, items: list[str], ways: int = 3) -> list[list[str]]:
    """`items` split into up to `ways` non-empty groups (each keeps the items' order)."""
    groups: dict[int, list[str]] = {}
    for item in items:
        groups.setdefault(draw(st.integers(0, ways - 1)), []).append(item)
    return list(groups.values())
