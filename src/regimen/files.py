"""Reading input files safely, and showing names and text safely in messages.

* :func:`read_input` reads at most ``limit + 1`` bytes of a *regular* file, whatever size the
  file system reports: a FIFO, a device (``/dev/zero``), a socket or a folder is refused before
  a byte is read (the file is opened non-blocking, so a FIFO with no writer cannot hang us),
  and every OS failure (missing, permission denied, a name too long) is one
  :class:`~regimen.errors.InputError` naming the file.
* :func:`printable` escapes what a terminal, a log viewer or a spreadsheet would act on (C0 and
  C1 control characters, DEL, bidirectional overrides and isolates) so a name or a line quoted
  in a message is shown, never obeyed.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from regimen.errors import InputError

#: Largest input file read, in bytes (a regimen file, an AE log, a cohort, an .ics to check).
MAX_INPUT_BYTES = 1_000_000

#: Characters a terminal or text viewer may act on: C0 (tab and newline included), DEL, C1,
#: and the Unicode bidirectional controls (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069).
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    r"""``text`` with every control or bidirectional character shown as an escape.

    >>> printable("x\x1b[2J.csv")
    'x\\x1b[2J.csv'
    >>> printable("a\u202eb")
    'a\\u202eb'
    """
    return CONTROL_RE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def read_input(path: Path, what: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``), or one clear error.

    ``what`` names the kind of file in messages ("regimen file", "AE log").
    """
    where = printable(str(path))
    if "\x00" in str(path):
        raise InputError("the file name holds a NUL character", where=where)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError("no such file", where=where) from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not {article(what)}", where=where) from None
    except PermissionError:
        raise InputError("permission denied", where=where) from None
    except OSError as exc:
        raise InputError(exc.strerror or type(exc).__name__, where=where) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"is a directory, not {article(what)}", where=where)
        if not stat.S_ISREG(mode):
            raise InputError(
                f"is not a regular file ({file_kind(mode)}); expected {article(what)}", where=where
            )
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError(exc.strerror or type(exc).__name__, where=where) from None
    finally:
        os.close(fd)
    if size > limit:
        raise InputError(
            f"is over {limit} bytes; {article(what)} that large is refused", where=where
        )
    return b"".join(chunks)


def file_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is that is not a regular file, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def article(what: str) -> str:
    """``"an AE log"``, ``"a regimen file"``."""
    return ("an " if what[:1].lower() in "aeiou" else "a ") + what
