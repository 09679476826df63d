"""The published JSON Schemas (draft 2020-12) of regimen's JSON outputs (``regimen schema``).

One file per output in ``regimen/schemas/NAME.json``, shipped with the package and read from
it, never fetched: each has a URN ``$id`` (``urn:regimen:schema:calendar``) and is whole in
itself (its ``$defs`` hold the UCUM quantity ``{"value": number, "unit": string}`` and the other
shared shapes, the same definition in every file), so ``regimen schema calendar > s.json``
is all a validator needs. The schemas follow the exporters (``export/*.py``) field by field and
close every object (``additionalProperties: false``): a new field is a contract change made in
the schema too; the test suite validates every JSON document it produces through the command
line against its command's schema.

``show`` has no JSON output (text only); ``batch`` writes ``summary.csv`` (CSV) and, with
``--format json``, one ``calendar`` document per patient.

Standard library only: nothing here imports a validator (``jsonschema`` is a test dependency).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

from regimen.errors import InputError

#: The schemas, one per JSON output, by the name ``regimen schema NAME`` takes.
NAMES = (
    "bed",
    "bsa",
    "calendar",
    "calvert",
    "crcl",
    "dose",
    "gap",
    "history",
    "isoeffect",
    "list",
    "presets-list",
    "presets-show",
    "reirradiation",
)

#: The commands (and ``presets`` subcommands) that print JSON with ``--format json``, by schema.
_COMMANDS = {
    "bed": "bed",
    "bsa": "bsa",
    "calendar": "calendar",
    "calvert": "calvert",
    "crcl": "crcl",
    "dose": "dose",
    "gap": "gap",
    "history": "history",
    "isoeffect": "isoeffect",
    "list": "list",
    "reirradiation": "reirradiation",
}


def text(name: str) -> str:
    """The schema ``name`` as shipped (JSON text ending in a newline); an unknown name is a
    one-line error listing the names."""
    if name not in NAMES:
        raise InputError(
            f"unknown schema {name!r}; the schemas are: {', '.join(NAMES)}", where="schema"
        )
    return resources.files("regimen").joinpath("schemas", f"{name}.json").read_text("utf-8")


def load(name: str) -> dict[str, Any]:
    """The schema ``name`` as a dict."""
    data: dict[str, Any] = json.loads(text(name))
    return data


def _option_value(args: Sequence[str], *names: str) -> str | None:
    """The value of the last ``--name VALUE`` or ``--name=VALUE`` in ``args``."""
    found = None
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                found = args[i + 1]
            elif arg.startswith(f"{name}="):
                found = arg.partition("=")[2]
    return found


def command_schema(args: Sequence[str]) -> str | None:
    """The schema of the JSON document a command line (the arguments after ``regimen``) writes,
    or None when it writes none: ``["bed", "10x2Gy", "--format", "json"]`` -> ``bed``,
    ``["presets", "show", "hnscc", "--format", "json"]`` -> ``presets-show``; ``batch`` with
    ``--format json`` -> ``calendar`` (each patient's file).

    >>> command_schema(["calendar", "x", "--start", "2022-01-03", "--format=json"])
    'calendar'
    >>> command_schema(["bed", "10x2Gy"]) is None
    True
    """
    words = [a for a in args if not a.startswith("-")]
    if not words or _option_value(args, "--format") != "json":
        return None
    command = words[0]
    if command == "presets" and len(words) > 1 and words[1] in ("list", "show"):
        return f"presets-{words[1]}"
    if command == "batch":
        return "calendar"
    return _COMMANDS.get(command)
