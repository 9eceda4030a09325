"""Errors with user-facing messages. Each class carries the CLI exit code (DESIGN section 4)."""

from __future__ import annotations


class DivbaseError(Exception):
    """Base error: `message` says what is wrong, `hint` says what to do next."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class InvalidInput(DivbaseError):
    """The user's input is wrong; nothing was queued or written (exit 2)."""

    exit_code = 2


class FilterError(InvalidInput):
    """A sample-metadata filter string could not be parsed."""


class CommandRejected(InvalidInput):
    """A user-supplied bcftools command failed validation."""


class UnsafeKey(InvalidInput):
    """An object key or path that would leave the bucket."""


class NotAuthorized(DivbaseError):
    exit_code = 3


class NotFound(DivbaseError):
    exit_code = 4


class Unavailable(DivbaseError):
    exit_code = 5


class TaskError(DivbaseError):
    """The task ran and failed for a reason the user can fix (exit 1)."""


class MetadataError(TaskError):
    """The sidecar metadata TSV is malformed or does not fit the project."""


class DimensionsError(TaskError):
    """The VCF dimensions index is missing or out of date."""


class SampleSetError(TaskError):
    """Selected files cannot be combined (order clash or partial overlap of sample sets)."""


class VcfError(TaskError):
    """A VCF file is broken (reported by bcftools)."""


class BcftoolsError(TaskError):
    """bcftools failed; the message carries its classified stderr."""
