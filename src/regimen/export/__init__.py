"""Exporters: each renders a plan or a report to text, purely.

:func:`render_plan` is the one registry of calendar formats, so a new format touches no command:
add a module with a ``render`` function and one line to :data:`CALENDAR_FORMATS`. Modules are
imported only when their format is asked for (icalendar is never imported for text output).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from regimen.schedule import Plan

#: format name -> (module, function); every function takes the plan first.
CALENDAR_FORMATS: dict[str, tuple[str, str]] = {
    "text": ("regimen.export.calendar", "render_text"),
    "csv": ("regimen.export.calendar", "render_csv"),
    "json": ("regimen.export.calendar", "render_json"),
    "ics": ("regimen.export.ics", "render"),
    "html": ("regimen.export.html", "render"),
    "fhir": ("regimen.export.fhir", "render"),
}


def render_plan(fmt: str, plan: Plan, **options: Any) -> str:
    """Render ``plan`` as ``fmt``; ``options`` are the format's own keyword arguments."""
    module, function = CALENDAR_FORMATS[fmt]
    render = getattr(importlib.import_module(module), function)
    return str(render(plan, **options))
