"""Every JSON document the test suite produces through the command line is checked against its
published schema (``regimen schema NAME``; :mod:`regimen.export.schema`).

:func:`install` (called from ``tests/conftest.py``) wraps :meth:`click.testing.CliRunner.invoke`
for the whole session, so the ``run`` fixture and every module's own runner are covered: after a
run that exits 0 (a batch also 1: its files written are complete), the JSON it wrote is
validated (stdout, the ``--output`` file, or each ``.json`` file in a batch's ``--output-dir``)
and a document that does not match fails the test that produced it. :data:`CHECKED` counts the
documents per schema (tests/test_schemas.py reads it).
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft202012Validator, FormatChecker

from regimen.export import schema as schemas

#: Documents validated so far in this session, by schema name.
CHECKED: Counter[str] = Counter()


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """A validator of the schema ``name`` (formats such as ``date`` checked too)."""
    return Draft202012Validator(schemas.load(name), format_checker=FormatChecker())


def problems(name: str, document: Any) -> list[str]:
    """What in ``document`` does not match the schema ``name`` (empty when it matches)."""
    found = sorted(validator(name).iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in found]


def check_text(name: str, text: str, what: str) -> None:
    """Fail the running test unless ``text`` is JSON matching the schema ``name``."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        pytest.fail(f"{what}: not JSON ({exc}); the {name} schema cannot apply")
    found = problems(name, document)
    if found:
        listed = "\n  ".join(found[:10])
        pytest.fail(f"{what} does not match the published {name} schema:\n  {listed}")
    CHECKED[name] += 1


def _value(args: Sequence[str], *names: str) -> str | None:
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(f"{name}="):
                return arg.partition("=")[2]
    return None


def check_invocation(args: Sequence[str], result: Result) -> None:
    """Validate what the command line ``args`` wrote, given its ``result``."""
    name = schemas.command_schema(args)
    if name is None:
        return
    shown = "regimen " + " ".join(args)
    if args and args[0] == "batch":
        out = _value(args, "--output-dir")
        if result.exit_code in (0, 1) and out is not None:
            for path in sorted(Path(out).glob("*.json")):
                check_text(name, path.read_text(encoding="utf-8"), f"{path.name} of `{shown}`")
        return
    if result.exit_code != 0:
        return
    output = _value(args, "--output", "-o")
    if output is not None and output != "-":
        check_text(name, Path(output).read_text(encoding="utf-8"), f"--output of `{shown}`")
    else:
        check_text(name, result.stdout, f"stdout of `{shown}`")


def install() -> None:
    """Wrap ``CliRunner.invoke`` for the session (once)."""
    if getattr(CliRunner.invoke, "_schema_checked", False):
        return
    original = CliRunner.invoke

    @functools.wraps(original)
    def invoke(self: CliRunner, cli: Any, args: Any = None, *rest: Any, **kw: Any) -> Result:
        result = original(self, cli, args, *rest, **kw)
        if isinstance(args, (list, tuple)) and all(isinstance(a, str) for a in args):
            check_invocation(list(args), result)
        return result

    invoke._schema_checked = True  # type: ignore[attr-defined]
    CliRunner.invoke = invoke  # type: ignore[method-assign]
