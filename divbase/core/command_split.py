"""Splitting a --command string into `view` segments (pure)."""

from __future__ import annotations


def split_segments(text: str) -> list[str]:
    """Split on `;` outside single/double quotes (backslash escapes outside single quotes)."""
    segments: list[str] = []
    start, i, quote = 0, 0, ""
    while i < len(text):
        char = text[i]
        if char == "\\" and quote != "'":
            i += 2
            continue
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ";":
            segments.append(text[start:i])
            start = i + 1
        i += 1
    segments.append(text[start:])
    return segments
