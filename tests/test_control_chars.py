"""Control characters never pass (issue: "Control characters never pass").

A lone CR, C0/C1 controls and bidirectional overrides in any text of a regimen file, an AE log
or a cohort are refused at load, with one line naming the field. A line break is allowed only
inside a multi-line text (instruction, missed-dose rule, notes...), where TOML gives one LF.
Before this rule a CR in a drug name reached the .ics and forged events (59 read where 31 were
written).
"""

from __future__ import annotations

import re

import pytest

from regimen.loading import _bundled_folder
from tests.helpers import one_error_line

#: (TOML line prefix in lms-rt-anlotinib.toml, the key path the message must name)
FIELDS = [
    ('name = "IMRT', "name"),
    ('title = "Li et al.', "sources.li2025.title"),
    ('name = "Radiotherapy to', "courses[0].name"),
    ('  technique = "IMRT', "courses[0].phases[0].technique"),
    ('name = "Anlotinib', "courses[1].name"),
    ('drug = "anlotinib', "courses[1].drug"),
    ('route = "oral', "courses[1].route"),
    ('instruction = "before', "courses[1].instruction"),
    ('missed_dose = "If you', "courses[1].missed_dose"),
    ('when_to_call = "Call', "courses[1].when_to_call"),
]

#: TOML escapes of characters that act on terminals, calendars or spreadsheets.
CHARS = {
    "cr": ("\\r", "U+000D"),
    "vt": ("\\u000b", "U+000B"),
    "ff": ("\\f", "U+000C"),
    "esc": ("\\u001b", "U+001B"),
    "tab": ("\\t", "U+0009"),
    "nel-c1": ("\\u0085", "U+0085"),
    "rlo-bidi": ("\\u202e", "U+202E"),
    "lri-bidi": ("\\u2066", "U+2066"),
}


def _text() -> str:
    return (_bundled_folder() / "lms-rt-anlotinib.toml").read_text(encoding="utf-8")


def _inject(prefix: str, escape: str) -> str:
    text = _text()
    assert text.count("\n" + prefix) == 1 or text.startswith(prefix), prefix
    at = text.index(prefix) if text.startswith(prefix) else text.index("\n" + prefix) + 1
    quote = text.index('"', at) + 1
    return text[:quote] + "x" + escape + "y" + text[quote:]


@pytest.mark.parametrize("char", CHARS, ids=list(CHARS))
@pytest.mark.parametrize(("prefix", "key"), FIELDS, ids=[k for _, k in FIELDS])
def test_regression_control_character_in_a_regimen_text_is_refused(
    run, tmp_path, prefix: str, key: str, char: str
) -> None:
    escape, code = CHARS[char]
    path = tmp_path / "r.toml"
    path.write_text(_inject(prefix, escape), encoding="utf-8")
    line = one_error_line(run("validate", str(path)))
    assert f"{key}: holds" in line and code in line
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", line)


def test_a_line_break_inside_a_multi_line_text_is_kept(run, tmp_path) -> None:
    path = tmp_path / "r.toml"
    path.write_text(_inject('instruction = "before', "\\n"), encoding="utf-8")
    assert run("validate", str(path)).exit_code == 0


def test_a_line_break_in_a_one_line_text_is_refused(run, tmp_path) -> None:
    path = tmp_path / "r.toml"
    path.write_text(_inject('drug = "anlotinib', "\\n"), encoding="utf-8")
    line = one_error_line(run("validate", str(path)))
    assert "courses[1].drug: holds a line break (U+000A)" in line


def test_a_crlf_file_is_read_as_one_lf_per_line_break(run, tmp_path) -> None:
    text = _text().replace(
        'instruction = "before breakfast"', 'instruction = """before\nbreakfast"""'
    )
    path = tmp_path / "r.toml"
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    assert run("validate", str(path)).exit_code == 0


@pytest.mark.parametrize("char", ["\r", "\x0b", "\x1b", "\u202e"], ids=["cr", "vt", "esc", "rlo"])
@pytest.mark.parametrize("column", ["term", "note"])
def test_control_character_in_an_ae_log_field_is_refused(run, tmp_path, char, column) -> None:
    cells = {"term": "epistaxis", "note": "fine"}
    cells[column] = f"x{char}y"
    log = tmp_path / "log.csv"
    log.write_text(
        f'date,term,grade,note\n2022-01-07,"{cells["term"]}",2,"{cells["note"]}"\n',
        encoding="utf-8",
    )
    line = one_error_line(
        run("calendar", "anlotinib-sts", "--start", "2022-01-03", "--ae-log", str(log))
    )
    assert "line 2" in line and column in line
