"""The exception hierarchy.

Every error regimen raises on purpose is a :class:`RegimenError`. Facts are stored as
attributes and the message is built in ``__str__``; the CLI turns any ``RegimenError`` into one
line on stderr (``error: <where>: <what>``) and exit code 2, in one place.
"""

from __future__ import annotations

from collections.abc import Sequence


class RegimenError(Exception):
    """Base class: bad input or an impossible request, reported as one line."""

    def __init__(self, what: str, where: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.where = where

    def __str__(self) -> str:
        # Names, paths and file content quoted in a message are shown, never obeyed: control
        # and bidirectional characters are escaped here, the one place every message passes.
        from regimen.files import printable

        text = f"{self.where}: {self.what}" if self.where else self.what
        return printable(text)


class UnitError(RegimenError, ValueError):
    """A quantity with a missing, unknown or wrong-kind unit."""


class ExpressionError(RegimenError, ValueError):
    """A fractionation expression that cannot be parsed."""


class InputError(RegimenError, ValueError):
    """Any other bad value: a date, a count, an option."""


class LoadError(RegimenError):
    """One or more problems in an input file, all reported at once.

    ``problems`` holds ``(key_path, message)`` pairs; the text joins them with ``; `` so the
    CLI still prints one line.
    """

    def __init__(self, path: str, problems: Sequence[tuple[str, str]]) -> None:
        self.path = path
        self.problems = tuple(problems)
        what = "; ".join(f"{key}: {msg}" if key else msg for key, msg in self.problems)
        super().__init__(what, where=path)


class UnknownRegimenError(RegimenError, LookupError):
    """A REGIMEN argument that is neither a bundled id nor an existing file."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(
            f"no bundled regimen or file of that name; bundled regimens: {', '.join(known)}",
            where=name,
        )
