"""Read a --samples-file: one sample id per line, blank and '#' lines ignored, no delimiters."""

from __future__ import annotations

from pathlib import Path

from divbase.core.errors import InvalidInput

DELIMITERS = {",": "','", ";": "';'", "\t": "'tab'", "|": "'|'"}


def read_samples_file(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read --samples-file {path}: {exc}.", "Give a UTF-8 text file.") from None
    ids, bad = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        found = [name for char, name in DELIMITERS.items() if char in line]
        if found:
            bad.append((number, line, found))
        ids.append(line)
    if bad:
        shown = ", ".join(f"line {n} ('{line[:40]}')" for n, line, _ in bad[:3])
        more = f" (+{len(bad) - 3} more line(s))" if len(bad) > 3 else ""
        kinds = ", ".join(sorted({k for *_, f in bad for k in f}))
        raise InvalidInput(
            "Invalid --samples-file format: expected one sample ID per line with no delimiters. "
            f"Found delimiter(s) {kinds} on {len(bad)} line(s): {shown}{more}",
            "Put each sample id on its own line.",
        )
    if not ids:
        raise InvalidInput(f"--samples-file {path} holds no sample id.", "Put one sample id per line.")
    return list(dict.fromkeys(ids))
