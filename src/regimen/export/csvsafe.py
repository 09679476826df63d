"""CSV that a spreadsheet opens as data, never as formulas (calendar CSV and ``summary.csv``).

* RFC 4180: CRLF row ends; a field holding a comma, a double quote, CR or LF is quoted, quotes
  doubled. A CR or LF inside a text cell therefore stays inside its cell and can never forge a
  row.
* OWASP "CSV Injection": a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a CR
  is prefixed with a single quote (``'=HYPERLINK(...)``), which spreadsheets show as text. A
  spreadsheet also evaluates ``-1+1`` typed into a text cell, so the rule applies to every text
  cell, whatever follows the trigger.
* Numbers stay numbers: ``int``, ``float`` and ``Decimal`` cells are written as they are, so a
  negative number is still a number; only ``str`` cells are neutralised. A caller who wants a
  number to stay numeric passes it as a number, not as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

#: First characters a spreadsheet treats as the start of a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str | int | float | Decimal:
    """One cell, neutralised if it is text that a spreadsheet would run.

    >>> cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> cell(-1), cell("-1+1"), cell(""), cell(None)
    (-1, "'-1+1", '', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def render(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The header and rows as RFC 4180 CSV text with CRLF row ends and safe cells."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buf.getvalue()
