"""Input safety: whatever a user or an attacker feeds any command, the CLI answers cleanly.

Two suites protect the same contract (docs/design.md, "Exit codes"):

1. The hostile-input corpus: the CLI, run as a subprocess, against injection, file-system
   faults, hostile cohorts, resource exhaustion and odd option values. Every case checks the
   universal invariants (:func:`check`): no traceback, exit code 0, 1 or 2 (3 is an internal
   error and a failure), an exit-2 error is exactly one stderr line starting ``error: ``, no
   control character (C0 but LF and tab, ESC, C1, bidi overrides and isolates) in stdout or
   stderr, no ``*.tmp`` file left in the output folder. Where the specification says "refused",
   :func:`refused` also asserts exit 2 and what the line must name. The expected values come
   from the specification (the issue), not from running the code. Runs are subprocesses with a
   timeout (a hang is a failure) and an address-space limit (so a read without a byte limit
   cannot take the machine's memory).
2. Random input, in-process (``test_fuzz_*``): Hypothesis generates argument lists, mutated
   regimen files, AE logs and expressions; every run succeeds or exits 2 with one line, never a
   traceback. The CI run is derandomized (a fixed seed) with a few thousand cases in under a
   minute; set REGIMEN_FUZZ_EXAMPLES (e.g. 20000) for a long run with fresh randomness
   (``-k fuzz`` runs only these).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import resource
import shlex
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regimen.cli import cli
from tests.helpers import README_AE_LOG

ROOT = Path(__file__).resolve().parents[1]
EXE = ROOT / ".venv" / "bin" / "regimen"
#: REGIMEN_HOSTILE_CMD (e.g. "python -m regimen" with another PYTHONPATH) runs another build.
COMMAND = (
    shlex.split(os.environ["REGIMEN_HOSTILE_CMD"])
    if os.environ.get("REGIMEN_HOSTILE_CMD")
    else [str(EXE)]
    if EXE.exists()
    else [sys.executable, "-m", "regimen"]
)
TIMEOUT = 20.0
MEMORY_LIMIT = 2 << 30  # bytes of address space for one CLI run
#: The regimen file every corrupted copy starts from (REGIMEN_HOSTILE_BASE: another build's).
BASE_FILE = Path(
    os.environ.get("REGIMEN_HOSTILE_BASE") or ROOT / "regimens" / "lms-rt-anlotinib.toml"
)
BASE_TOML = BASE_FILE.read_text(encoding="utf-8")
STAMP = "2022-01-01T00:00:00Z"
CAL = ["calendar", "anlotinib-sts", "--start", "2022-01-03", "--cycles", "2"]
ICS_ARGS = [*CAL, "--format", "ics", "--generated-at", STAMP]
#: lms-rt-anlotinib with --cycles 2: 10 IMRT + 3 boost fractions, then 2 cycles x days 1-14.
LMS_EVENTS = 10 + 3 + 2 * 14
#: C0 but LF and tab, C1, and the bidi overrides and isolates (the issue's list).
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x80-\x9f\u202a-\u202e\u2066-\u2069]")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
RESERVED_WINDOWS = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)
}


# ---------------------------------------------------------------------------------------------
# running the CLI and the universal invariants


@dataclass
class Run:
    argv: list[str]
    rc: int
    out: str
    err: str
    timed_out: bool = False
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"argv={self.argv!r} rc={self.rc} stderr={self.err[:2000]!r} stdout={self.out[:500]!r}"
        )


def _child_setup() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["LC_ALL"] = "C.UTF-8"
    env["PYTHONUTF8"] = "1"
    env.update(extra or {})
    return env


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def regimen(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> Run:
    """Run the CLI; a run still going after ``timeout`` seconds is killed (with its children)."""
    argv = [str(a) for a in args]
    began = time.monotonic()
    proc = subprocess.Popen(  # noqa: S603 - our own CLI, fixed argv
        [*COMMAND, *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=_env(env),
        preexec_fn=_child_setup,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, err = proc.communicate()
        timed_out = True
    _kill_group(proc.pid)  # no orphaned worker outlives its test
    return Run(
        argv,
        proc.returncode,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        timed_out,
        time.monotonic() - began,
    )


def tmp_files(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(str(p) for p in folder.rglob("*") if p.name.endswith(".tmp"))


def check(r: Run, *folders: Path) -> None:
    """The universal invariants of every case."""
    assert not r.timed_out, f"hung (killed after {TIMEOUT} s): {r}"
    assert "Traceback" not in r.err, str(r)
    assert r.rc in (0, 1, 2), f"exit code {r.rc} (3 = internal error): {r}"
    if r.rc == 2:
        lines = r.err.splitlines()
        assert len(lines) == 1, f"an error must be one line: {r}"
        assert lines[0].startswith("error: "), str(r)
    for name, text in (("stderr", r.err), ("stdout", r.out)):
        m = FORBIDDEN.search(text)
        assert m is None, f"control character {m.group()!r} in {name}: {r}"
    for folder in folders:
        assert tmp_files(folder) == [], f"temporary files left: {tmp_files(folder)}"


def refused(r: Run, *mentions: str, folders: Sequence[Path] = ()) -> str:
    """Exit 2 with one ``error: `` line that names each of ``mentions``; returns the line."""
    check(r, *folders)
    assert r.rc == 2, f"expected a refusal (exit 2): {r}"
    line = r.err.splitlines()[0]
    for m in mentions:
        assert m in line, f"the error should name {m!r}: {line!r}"
    return line


def toml_string(text: str) -> str:
    """A TOML basic string for ``text``, every control character written as an escape."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or 0x7F <= code <= 0x9F or FORBIDDEN.match(ch):
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


#: Where each text field of lms-rt-anlotinib.toml is: (pattern, replacement with {v}).
FIELDS: dict[str, tuple[str, str]] = {
    "name": (r'^name = "IMRT[^\n]*$', "name = {v}"),
    "description": (r'^description = """.*?"""$', "description = {v}"),
    "notes": (r'^  "The paper does not state[^\n]*",$', "  {v},"),
    "title": (r'^title = "Li et al. 2025"$', "title = {v}"),
    "citation": (r'^citation = "Li Z[^\n]*$', "citation = {v}"),
    "course-name": (r'^name = "Anlotinib"$', "name = {v}"),
    "technique": (r'^  technique = "IMRT"$', "  technique = {v}"),
    "drug": (r'^drug = "anlotinib"$', "drug = {v}"),
    "route": (r'^route = "oral"$', "route = {v}"),
    "instruction": (r'^instruction = "before breakfast"$', "instruction = {v}"),
    "missed_dose": (r"^missed_dose = [^\n]*$", "missed_dose = {v}"),
    "when_to_call": (r"^when_to_call = [^\n]*$", "when_to_call = {v}"),
    "rule-note": (r'^(  action = "continue"\n)', "\\1  note = {v}\n"),
    "start-note": (r'note = "Assumed[^"]*"', "note = {v}"),
    # Chinese patient texts (--lang zh), when the regimen file has them
    "drug_zh": (r"^drug_zh = [^\n]*$", "drug_zh = {v}"),
    "instruction_zh": (r"^instruction_zh = [^\n]*$", "instruction_zh = {v}"),
    "missed_dose_zh": (r"^missed_dose_zh = [^\n]*$", "missed_dose_zh = {v}"),
    "when_to_call_zh": (r"^when_to_call_zh = [^\n]*$", "when_to_call_zh = {v}"),
}
#: The key an error about each field must name.
FIELD_KEY = {"course-name": "name", "rule-note": "note", "start-note": "note"}


def regimen_with(tmp_path: Path, field_name: str, value: str) -> Path:
    """lms-rt-anlotinib.toml with one text field set to ``value``."""
    pattern, repl = FIELDS[field_name]
    literal = toml_string(value)
    if "\\1" in repl:
        text, n = re.subn(
            pattern,
            lambda m: m.group(1) + repl.replace("\\1", "").format(v=literal),
            BASE_TOML,
            count=1,
            flags=re.M | re.S,
        )
    else:
        text, n = re.subn(
            pattern, lambda m: repl.format(v=literal), BASE_TOML, count=1, flags=re.M | re.S
        )
    if n == 0 and field_name.endswith("_zh"):
        pytest.skip(f"{BASE_FILE.name} has no {field_name}")
    assert n == 1, field_name
    path = tmp_path / "lms.toml"
    path.write_text(text, encoding="utf-8")
    return path


def ics_events(path: Path) -> list[object]:
    import icalendar

    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return list(cal.walk("VEVENT"))


def ics_property(path: Path, name: str) -> str:
    """The first ``name`` property's value, unfolded and unescaped by RFC 5545 3.3.11."""
    text = path.read_bytes().decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            value = line[len(name) + 1 :]
            return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)
    raise AssertionError(f"no {name} in {path}")


def assert_clean_ics(path: Path, expected: int) -> None:
    """The file has ``expected`` events by every reading, and check-ics passes it."""
    data = path.read_bytes()
    text = data.decode("utf-8")
    assert re.search(r"\r(?!\n)|(?<!\r)\n", text) is None, "bare CR or LF in the .ics"
    assert FORBIDDEN.search(text.replace("\r\n", "")) is None, "control character in the .ics"
    lines = text.split("\r\n")
    assert lines.count("BEGIN:VEVENT") == expected
    assert lines.count("END:VEVENT") == expected
    assert len(ics_events(path)) == expected
    lint = regimen("check-ics", path, "--events", str(expected))
    check(lint)
    assert lint.rc == 0, f"check-ics fails the file: {lint}"


# =============================================================================================
# 1. Injection into each output format

CONTROLS = {
    "lone-CR": "\r",
    "ESC": "\x1b",
    "RLO-U+202E": "\u202e",
}
OTHER_CONTROLS = {
    "VT": "\x0b",
    "FF": "\x0c",
    "BEL": "\x07",
    "BS": "\x08",
    "NUL": "\x00",
    "NEL-C1": "\x85",
    "CSI-C1": "\x9b",
    "LRI-U+2066": "\u2066",
    "PDI-U+2069": "\u2069",
    "LRE-U+202A": "\u202a",
}
CONTROL_CASES = (
    [pytest.param(f, c, id=f"{f}-{cid}") for f in FIELDS for cid, c in CONTROLS.items()]
    + [pytest.param("name", c, id=f"name-{cid}") for cid, c in OTHER_CONTROLS.items()]
    + [pytest.param(f, "\x9b", id=f"{f}-CSI-C1") for f in ("drug", "technique", "when_to_call")]
)


@pytest.mark.parametrize(("field_name", "char"), CONTROL_CASES)
def test_regimen_text_field_with_control_is_refused(
    tmp_path: Path, field_name: str, char: str
) -> None:
    path = regimen_with(tmp_path, field_name, f"before{char}[2Jafter")
    out = tmp_path / "out.ics"
    r = regimen(
        "calendar",
        path,
        "--start",
        "2022-05-16",
        "--cycles",
        "2",
        "--format",
        "ics",
        "--generated-at",
        STAMP,
        "--with-drug-names",
        "-o",
        out,
    )
    line = refused(r, folders=[tmp_path])
    key = re.escape(FIELD_KEY.get(field_name, field_name))
    assert re.search(rf"(?<![\w]){key}(\[\d+\])?: ", line), f"the error should name {key}: {line}"
    assert not out.exists()


ICS_PAYLOADS = {
    "begin-vevent": "x BEGIN:VEVENT y",
    "lf-end-vevent": "x\nEND:VEVENT\nBEGIN:VEVENT\nUID:forged@evil\ny",
    "semicolon-comma-backslash": "a;b,c\\d:e",
    "literal-backslash-n": "lit\\nEND:VEVENT",
}
ICS_FIELDS = ("name", "drug", "route", "technique", "instruction", "missed_dose", "when_to_call")
#: Free text that must be accepted: plain punctuation is no reason to refuse.
MUST_ACCEPT = {"instruction", "missed_dose", "when_to_call", "technique", "name"}
ICS_CASES = [
    pytest.param(f, p, id=f"{f}-{pid}") for f in ICS_FIELDS for pid, p in ICS_PAYLOADS.items()
] + [
    pytest.param("instruction", "x\r\nEND:VEVENT\r\nBEGIN:VEVENT", id="instruction-crlf"),
    pytest.param("name", "x\r\nEND:VCALENDAR", id="name-crlf"),
    pytest.param("instruction", "服药前;," * 40, id="instruction-long-cjk-folded"),
    pytest.param("technique", "调强放疗," * 30, id="technique-long-cjk-folded"),
]


@pytest.mark.parametrize(("field_name", "payload"), ICS_CASES)
def test_ics_text_never_forges_events(tmp_path: Path, field_name: str, payload: str) -> None:
    path = regimen_with(tmp_path, field_name, payload)
    out = tmp_path / "out.ics"
    r = regimen(
        "calendar",
        path,
        "--start",
        "2022-05-16",
        "--cycles",
        "2",
        "--format",
        "ics",
        "--generated-at",
        STAMP,
        "--with-drug-names",
        "-o",
        out,
    )
    check(r, tmp_path)
    plain = payload.replace("\r", "") == payload and "\n" not in payload
    if field_name in MUST_ACCEPT and plain:
        assert r.rc == 0, f"plain text refused: {r}"
    if r.rc != 0:
        assert r.rc == 2 and not out.exists(), str(r)
        return
    assert_clean_ics(out, LMS_EVENTS)
    import icalendar

    cal = icalendar.Calendar.from_ical(out.read_bytes())
    if field_name == "name":
        assert ics_property(out, "X-WR-CALNAME") == payload
    if field_name in ("instruction", "missed_dose", "when_to_call"):
        descriptions = [str(e.get("DESCRIPTION", "")) for e in cal.walk("VEVENT")]
        assert any(payload in d for d in descriptions), "the text did not round-trip"


@pytest.mark.parametrize(
    "note",
    [
        pytest.param("x\nEND:VEVENT\nBEGIN:VEVENT\nUID:forged", id="lf-end-vevent"),
        pytest.param("BEGIN:VCALENDAR;END:VCALENDAR", id="begin-vcalendar"),
        pytest.param("a;b,c\\d", id="semicolon-comma-backslash"),
        pytest.param('=HYPERLINK("http://x")', id="formula"),
    ],
)
def test_ics_ae_note_never_forges_events(tmp_path: Path, note: str) -> None:
    log = tmp_path / "log.csv"
    quoted = note.replace('"', '""')
    log.write_text(
        "date,term,grade,note\n"
        f'2022-01-10,hand-foot skin reaction,3,"{quoted}"\n'
        "2022-01-14,hand-foot skin reaction,1,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.ics"
    r = regimen(*ICS_ARGS, "--ae-log", log, "-o", out)
    check(r, tmp_path)
    if "\n" in note and r.rc == 2:
        refused(r, "note")  # a line break in a note may be refused, by name
        return
    assert r.rc == 0, str(r)
    # Differential: the same log with a plain note gives the number of events to expect.
    plain = tmp_path / "plain.csv"
    plain.write_text(log.read_text(encoding="utf-8").replace(f'"{quoted}"', "plain"), "utf-8")
    reference = tmp_path / "plain.ics"
    base = regimen(*ICS_ARGS, "--ae-log", plain, "-o", reference)
    check(base, tmp_path)
    assert base.rc == 0, str(base)
    assert_clean_ics(out, len(ics_events(reference)))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.handlers += [k for k, _ in attrs if k.lower().startswith("on")]


HTML_PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "img-onerror": '"><img src=x onerror=alert(1)>',
}
HTML_FIELDS = (
    "name",
    "course-name",
    "drug",
    "route",
    "technique",
    "instruction",
    "missed_dose",
    "when_to_call",
    "title",
    "notes",
    "citation",
)
ZH_FIELDS = ("drug_zh", "instruction_zh", "missed_dose_zh", "when_to_call_zh")
HTML_CASES = (
    [pytest.param(f, p, id=f"{f}-{pid}") for f in HTML_FIELDS for pid, p in HTML_PAYLOADS.items()]
    + [
        pytest.param("name", "</title><script>alert(2)</script>", id="name-close-title"),
        pytest.param("drug", "' onmouseover='alert(3)", id="drug-single-quote-attr"),
    ]
    + [pytest.param(f, HTML_PAYLOADS["script"], id=f"{f}-script-lang-zh") for f in ZH_FIELDS]
)


@pytest.mark.parametrize(("field_name", "payload"), HTML_CASES)
def test_html_text_is_escaped(tmp_path: Path, field_name: str, payload: str) -> None:
    path = regimen_with(tmp_path, field_name, payload)
    out = tmp_path / "out.html"
    lang = "zh" if field_name.endswith("_zh") else "en"
    r = regimen(
        "calendar",
        path,
        "--start",
        "2022-05-16",
        "--cycles",
        "2",
        "--format",
        "html",
        "--lang",
        lang,
        "-o",
        out,
    )
    check(r, tmp_path)
    free_text = {"notes", "citation", "title", "course-name", *ZH_FIELDS} - {"drug_zh"}
    if field_name in MUST_ACCEPT | free_text:
        assert r.rc == 0, f"free text must be escaped, not refused: {r}"
    if r.rc != 0:
        assert r.rc == 2 and not out.exists(), str(r)
        return
    page = out.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(page)
    assert not {"script", "img", "iframe"} & set(parser.tags), parser.tags
    assert parser.handlers == [], parser.handlers
    assert "<script" not in page.lower() and "<img" not in page.lower()


def test_html_ae_note_is_escaped(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        'date,term,grade,note\n2022-01-10,hand-foot skin reaction,3,"<script>alert(1)</script>"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.html"
    r = regimen(*CAL, "--ae-log", log, "--format", "html", "-o", out)
    check(r, tmp_path)
    assert r.rc == 0, str(r)
    assert "<script" not in out.read_text(encoding="utf-8").lower()


def assert_rfc4180(text: str, rows: int, allow_lf_in_cells: bool = False) -> list[list[str]]:
    """CRLF row ends, ``rows`` records by Python's csv module, no cell starting a formula."""
    assert text.endswith("\r\n"), "rows must end with CRLF"
    if not allow_lf_in_cells:
        assert re.search(r"(?<!\r)\n", text) is None, "a row ends with a bare LF"
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert len(parsed) == rows, f"{len(parsed)} records, expected {rows}"
    for record in parsed:
        for cell in record:
            if re.fullmatch(r"-?\d+(\.\d+)?", cell):
                continue  # a number stays a number
            assert not cell.startswith(TRIGGERS), f"formula trigger not neutralised: {cell!r}"
    return parsed


@pytest.mark.parametrize(
    "technique",
    [
        pytest.param("=1+1", id="equals"),
        pytest.param("-2+3", id="minus"),
        pytest.param("@SUM(A1)", id="at"),
        pytest.param("IMRT, 6 MV", id="comma"),
        pytest.param('IMRT "6 MV"', id="quote"),
        pytest.param("IMRT\nsecond line", id="lf"),
    ],
)
def test_calendar_csv_is_rfc4180_and_safe(tmp_path: Path, technique: str) -> None:
    path = regimen_with(tmp_path, "technique", technique)
    out = tmp_path / "out.csv"
    r = regimen(
        "calendar", path, "--start", "2022-05-16", "--cycles", "2", "--format", "csv", "-o", out
    )
    check(r, tmp_path)
    if r.rc != 0:
        assert r.rc == 2 and "\n" in technique, str(r)
        return
    raw = out.read_bytes().decode("utf-8")
    parsed = assert_rfc4180(raw, 1 + LMS_EVENTS, allow_lf_in_cells="\n" in technique)
    header = parsed[0]
    value = header.index("dose_value")
    for record in parsed[1:]:
        float(record[value])  # numeric
    assert re.search(r'"\d+(\.\d+)?"', raw) is None, "a number was quoted (written as text)"
    labels = [rec[header.index("label")] for rec in parsed[1:]]
    assert any(technique in label for label in labels[:10])


def _summary(out: Path) -> list[dict[str, str]]:
    text = (out / "summary.csv").read_bytes().decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _cohort(
    tmp_path: Path,
    rows: Sequence[Sequence[str]],
    name: str = "cohort.csv",
    header: str = "patient,regimen,start,ae_log,cycles,start_dose",
) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)  # a lone CR stays in its cell
    w.writerow(header.split(","))
    for row in rows:
        w.writerow(row)
    path = tmp_path / name
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _batch(cohort: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> Run:
    return regimen("batch", cohort, "--output-dir", out, "--generated-at", STAMP, *extra, env=env)


SUMMARY_CELLS = [
    pytest.param(0, '=HYPERLINK("http://evil/","x")', id="patient-hyperlink"),
    pytest.param(0, "=1+1", id="patient-equals"),
    pytest.param(0, "+1", id="patient-plus"),
    pytest.param(0, "-1+1", id="patient-minus"),
    pytest.param(0, "@SUM(A1:A9)", id="patient-at"),
    pytest.param(0, 'Smith, "Bob"', id="patient-comma-quote"),
    pytest.param(1, "=cmd|' /C calc'!A0", id="regimen-dde"),
    pytest.param(2, "+2022-01-03", id="start-plus"),
]


@pytest.mark.parametrize(("column", "value"), SUMMARY_CELLS)
def test_batch_summary_csv_is_rfc4180_and_safe(tmp_path: Path, column: int, value: str) -> None:
    row = ["P-1", "anlotinib-sts", "2022-01-03", "", "2", ""]
    row[column] = value
    cohort = _cohort(tmp_path, [row, ["P2", "anlotinib-sts", "2022-01-03", "", "2", ""]])
    out = tmp_path / "out"
    r = _batch(cohort, out, "--format", "json")
    check(r, tmp_path)
    assert r.rc in (0, 1), str(r)
    raw = (out / "summary.csv").read_bytes().decode("utf-8")
    parsed = assert_rfc4180(raw, 3)
    header = parsed[0]
    cell = parsed[1][column]
    if value.startswith(TRIGGERS):
        assert cell == "'" + value, f"expected the OWASP single-quote prefix: {cell!r}"
    else:
        assert cell == value
    events = parsed[2][header.index("events")]
    assert events.isdigit() and int(events) == 28, events
    assert re.search(r',"\d+",', raw) is None, "the events number was quoted"


@pytest.mark.parametrize(
    ("column", "char"),
    [
        pytest.param("patient", "\r", id="patient-lone-CR"),
        pytest.param("patient", "\x1b", id="patient-ESC"),
        pytest.param("patient", "\u202e", id="patient-RLO"),
        pytest.param("patient", "\x85", id="patient-NEL-C1"),
        pytest.param("patient", "\x0b", id="patient-VT"),
        pytest.param("regimen", "\x1b", id="regimen-ESC"),
        pytest.param("start", "\x1b", id="start-ESC"),
        pytest.param("ae_log", "\x1b", id="ae_log-ESC"),
        pytest.param("cycles", "\u202e", id="cycles-RLO"),
        pytest.param("start_dose", "\x1b", id="start_dose-ESC"),
    ],
)
def test_cohort_cell_with_control_is_refused(tmp_path: Path, column: str, char: str) -> None:
    (tmp_path / "log.csv").write_text(README_AE_LOG, encoding="utf-8")
    cells = {
        "patient": "P1",
        "regimen": "anlotinib-sts",
        "start": "2022-01-03",
        "ae_log": "log.csv",
        "cycles": "2",
        "start_dose": "anlotinib=10mg",
    }
    cells[column] = cells[column][:1] + char + cells[column][1:]
    cohort = _cohort(tmp_path, [list(cells.values())])
    out = tmp_path / "out"
    refused(_batch(cohort, out), column, folders=[tmp_path])
    assert not (out / "summary.csv").exists()


def test_cohort_lf_in_patient_key_forges_no_row(tmp_path: Path) -> None:
    cohort = _cohort(
        tmp_path,
        [
            ["P1\nP9,x,y", "anlotinib-sts", "2022-01-03", "", "2", ""],
            ["P2", "anlotinib-sts", "2022-01-03", "", "2", ""],
        ],
    )
    out = tmp_path / "out"
    r = _batch(cohort, out)
    check(r, tmp_path)
    if r.rc != 2:
        raw = (out / "summary.csv").read_bytes().decode("utf-8")
        assert_rfc4180(raw, 3, allow_lf_in_cells=True)


@pytest.mark.parametrize(
    ("column", "char"),
    [
        pytest.param(c, ch, id=f"{c}-{cid}")
        for c in ("term", "note", "course")
        for cid, ch in (
            ("lone-CR", "\r"),
            ("ESC", "\x1b"),
            ("VT", "\x0b"),
            ("RLO", "\u202e"),
            ("NEL-C1", "\x85"),
        )
    ],
)
def test_ae_log_text_with_control_is_refused(tmp_path: Path, column: str, char: str) -> None:
    cells = {"term": "hand-foot skin reaction", "note": "a note", "course": "anlotinib"}
    cells[column] = cells[column][:3] + char + cells[column][3:]
    log = tmp_path / "log.csv"
    log.write_text(
        "date,term,grade,course,note\n"
        f'2022-01-10,"{cells["term"]}",3,"{cells["course"]}","{cells["note"]}"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.ics"
    r = regimen(*CAL, "--ae-log", log, "--format", "ics", "--generated-at", STAMP, "-o", out)
    refused(r, column, folders=[tmp_path])
    assert not out.exists()


ESC_NAME = "x\x1b[2J\x1b]0;pwned\x07.csv"


def _terminal_cases() -> list[object]:
    def ae_log(tmp: Path) -> list[str | Path]:
        return [*CAL, "--ae-log", tmp / ESC_NAME, "-o", tmp / "o.txt"]

    def show(tmp: Path) -> list[str | Path]:
        return ["show", tmp / "x\x1b[2J.toml"]

    def show_bidi(tmp: Path) -> list[str | Path]:
        return ["show", tmp / "abc\u202egnp.toml"]

    def show_c1(tmp: Path) -> list[str | Path]:
        return ["show", tmp / "x\x9b2J.toml"]

    def validate(tmp: Path) -> list[str | Path]:
        return ["validate", tmp / "x\x1b]0;pwned\x07.toml"]

    def check_ics(tmp: Path) -> list[str | Path]:
        return ["check-ics", tmp / "x\x1b[2J.ics"]

    def batch_cohort(tmp: Path) -> list[str | Path]:
        return ["batch", tmp / "c\x1b[2J.csv", "--output-dir", tmp / "o"]

    def output_missing_folder(tmp: Path) -> list[str | Path]:
        return [*CAL, "-o", tmp / "no\x1b[2J" / "o.txt"]

    def bundled_id(tmp: Path) -> list[str | Path]:
        return ["show", "nope\x1b[2J"]

    def tz(tmp: Path) -> list[str | Path]:
        return [
            *CAL,
            "--format",
            "ics",
            "--time",
            "08:00",
            "--tz",
            "Asia/\x1b[2J",
            "-o",
            tmp / "o.ics",
        ]

    cases = [
        ae_log,
        show,
        show_bidi,
        show_c1,
        validate,
        check_ics,
        batch_cohort,
        output_missing_folder,
        bundled_id,
        tz,
    ]
    return [pytest.param(c, id=c.__name__.replace("_", "-")) for c in cases]


@pytest.mark.parametrize("make_argv", _terminal_cases())
def test_terminal_names_in_errors_are_escaped(
    tmp_path: Path, make_argv: Callable[[Path], list[str | Path]]
) -> None:
    r = regimen(*make_argv(tmp_path))
    line = refused(r, folders=[tmp_path])
    assert "\\x1b" in line or "\\u202e" in line or "\\x9b" in line, line


def test_terminal_existing_output_with_escape_in_name(tmp_path: Path) -> None:
    out = tmp_path / "o\x1b[2J.txt"
    out.write_text("keep", encoding="utf-8")
    line = refused(regimen(*CAL, "-o", out), folders=[tmp_path])
    assert "\\x1b" in line
    assert out.read_text(encoding="utf-8") == "keep"


def test_terminal_batch_output_dir_echoed_escaped(tmp_path: Path) -> None:
    cohort = _cohort(tmp_path, [["P1", "anlotinib-sts", "2022-01-03", "", "1", ""]])
    r = _batch(cohort, tmp_path / "o\x1b[2J")
    check(r, tmp_path)  # the "written to ..." line must not carry a raw ESC


# =============================================================================================
# 2. File-system faults


def _make_input(tmp: Path, kind: str, suffix: str) -> Path:
    if kind == "missing":
        return tmp / f"missing{suffix}"
    if kind == "directory":
        d = tmp / f"folder{suffix}"
        d.mkdir()
        return d
    if kind == "fifo":
        p = tmp / f"pipe{suffix}"
        os.mkfifo(p)
        return p
    if kind == "dev-zero":
        return Path("/dev/zero")
    if kind == "dev-null":
        return Path("/dev/null")
    if kind == "long-ascii-300-bytes":
        return tmp / ("a" * 300 + suffix)
    if kind == "long-cjk-300-bytes":
        return tmp / ("长" * 100 + suffix)
    if kind == "sparse-8-GB":
        p = tmp / f"sparse{suffix}"
        with p.open("wb") as handle:
            handle.truncate(8 << 30)
        return p
    raise AssertionError(kind)


INPUT_KINDS = (
    "missing",
    "directory",
    "fifo",
    "dev-zero",
    "dev-null",
    "long-ascii-300-bytes",
    "long-cjk-300-bytes",
    "sparse-8-GB",
)
INPUT_SLOTS: dict[str, tuple[str, Callable[[Path, Path], list[str | Path]]]] = {
    "show": (".toml", lambda p, t: ["show", p]),
    "validate": (".toml", lambda p, t: ["validate", p]),
    "calendar-regimen": (
        ".toml",
        lambda p, t: ["calendar", p, "--start", "2022-01-03", "-o", t / "out.txt"],
    ),
    "ae-log": (".csv", lambda p, t: [*CAL, "--ae-log", p, "-o", t / "out.txt"]),
    "cohort": (".csv", lambda p, t: ["batch", p, "--output-dir", t / "out"]),
    "check-ics": (".ics", lambda p, t: ["check-ics", p]),
}
FS_INPUT_CASES = [
    pytest.param(slot, kind, id=f"{slot}-{kind}")
    for slot in INPUT_SLOTS
    for kind in INPUT_KINDS
    if not (slot == "calendar-regimen" and kind not in ("fifo", "dev-zero", "sparse-8-GB"))
]


@pytest.mark.parametrize(("slot", "kind"), FS_INPUT_CASES)
def test_bad_input_file_is_one_line_error(tmp_path: Path, slot: str, kind: str) -> None:
    suffix, make = INPUT_SLOTS[slot]
    path = _make_input(tmp_path, kind, suffix)
    r = regimen(*make(path, tmp_path), timeout=10)
    refused(r, folders=[tmp_path])
    assert r.seconds < 10
    assert not (tmp_path / "out.txt").exists()
    assert not (tmp_path / "out" / "summary.csv").exists()


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("ae-log-grade-9", id="bad-ae-log"),
        pytest.param("regimen-esc", id="regimen-with-ESC"),
        pytest.param("start-2022-02-30", id="bad-start"),
    ],
)
def test_force_with_bad_input_keeps_existing_file(tmp_path: Path, bad: str) -> None:
    out = tmp_path / "out.ics"
    out.write_bytes(b"the user's file")
    argv: list[str | Path] = list(ICS_ARGS)
    if bad == "ae-log-grade-9":
        log = tmp_path / "log.csv"
        log.write_text("date,term,grade\n2022-01-10,rash,9\n", encoding="utf-8")
        argv += ["--ae-log", log]
    elif bad == "regimen-esc":
        argv[1] = regimen_with(tmp_path, "drug", "anlo\x1btinib")
        argv[3] = "2022-05-16"
    else:
        argv[3] = "2022-02-30"
    refused(regimen(*argv, "-o", out, "--force"), folders=[tmp_path])
    assert out.read_bytes() == b"the user's file"


def test_output_existing_file_without_force_is_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out.ics"
    out.write_bytes(b"the user's file")
    refused(regimen(*ICS_ARGS, "-o", out), "already exists", folders=[tmp_path])
    assert out.read_bytes() == b"the user's file"


def test_output_symlink_to_file_without_force_is_untouched(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_bytes(b"precious")
    link = tmp_path / "out.ics"
    link.symlink_to(target)
    refused(regimen(*ICS_ARGS, "-o", link), folders=[tmp_path])
    assert target.read_bytes() == b"precious" and link.is_symlink()


def test_output_dangling_symlink_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "out.ics"
    link.symlink_to(tmp_path / "created-through-link.ics")
    refused(regimen(*ICS_ARGS, "-o", link), folders=[tmp_path])
    assert not (tmp_path / "created-through-link.ics").exists()


@pytest.mark.parametrize(
    "force", [pytest.param([], id="no-force"), pytest.param(["--force"], id="force")]
)
def test_output_onto_directory_is_refused(tmp_path: Path, force: list[str]) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    refused(regimen(*ICS_ARGS, "-o", folder, *force), "directory", folders=[tmp_path])
    assert folder.is_dir() and list(folder.iterdir()) == []


@pytest.mark.parametrize(
    "force", [pytest.param([], id="no-force"), pytest.param(["--force"], id="force")]
)
def test_output_onto_fifo_is_refused(tmp_path: Path, force: list[str]) -> None:
    fifo = tmp_path / "out.ics"
    os.mkfifo(fifo)
    refused(regimen(*ICS_ARGS, "-o", fifo, *force, timeout=10), folders=[tmp_path])
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the FIFO was replaced"


def test_output_onto_dev_null_without_force_is_refused(tmp_path: Path) -> None:
    # Only without --force: the real /dev/null must never be offered to a rename as root.
    refused(regimen(*ICS_ARGS, "-o", "/dev/null"), folders=[tmp_path])
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_onto_device_node_with_force_is_refused(tmp_path: Path) -> None:
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("cannot create a device node here")
    refused(regimen(*ICS_ARGS, "-o", node, "--force"), folders=[tmp_path])
    assert stat.S_ISCHR(node.lstat().st_mode), "the device node was replaced"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("missing-folder/out.ics", id="missing-folder"),
        pytest.param("file.txt/out.ics", id="through-a-file"),
        pytest.param("a" * 300 + ".ics", id="long-ascii-300-bytes"),
        pytest.param("长" * 100 + ".ics", id="long-cjk-300-bytes"),
        pytest.param("", id="empty"),
    ],
)
def test_output_bad_path_is_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    target = str(tmp_path / name) if name else ""
    refused(regimen(*ICS_ARGS, "-o", target, cwd=tmp_path), folders=[tmp_path])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_output_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        refused(regimen(*ICS_ARGS, "-o", folder / "out.ics"), folders=[folder])
    finally:
        folder.chmod(0o700)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_batch_read_only_output_dir(tmp_path: Path) -> None:
    cohort = _cohort(tmp_path, [["P1", "anlotinib-sts", "2022-01-03", "", "1", ""]])
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        r = _batch(cohort, folder)
        check(r, folder)
        assert r.rc != 0
    finally:
        folder.chmod(0o700)


def _one_row(tmp_path: Path) -> Path:
    return _cohort(tmp_path, [["P1", "anlotinib-sts", "2022-01-03", "", "1", ""]])


@pytest.mark.parametrize(
    "kind",
    [
        "summary-csv-is-a-directory",
        "output-dir-is-a-file",
        "output-dir-is-a-fifo",
        "output-dir-long-ascii",
        "output-dir-long-cjk",
    ],
)
def test_batch_output_dir_faults_are_refused(tmp_path: Path, kind: str) -> None:
    cohort = _one_row(tmp_path)
    out = tmp_path / "out"
    if kind == "summary-csv-is-a-directory":
        (out / "summary.csv").mkdir(parents=True)
    elif kind == "output-dir-is-a-file":
        out.write_text("x", encoding="utf-8")
    elif kind == "output-dir-is-a-fifo":
        os.mkfifo(out)
    elif kind == "output-dir-long-ascii":
        out = tmp_path / ("d" * 300)
    else:
        out = tmp_path / ("目" * 100)
    refused(_batch(cohort, out), folders=[tmp_path])


def test_batch_patient_file_is_a_directory(tmp_path: Path) -> None:
    cohort = _cohort(
        tmp_path,
        [
            ["P1", "anlotinib-sts", "2022-01-03", "", "1", ""],
            ["P2", "anlotinib-sts", "2022-01-03", "", "1", ""],
        ],
    )
    out = tmp_path / "out"
    (out / "P1.ics").mkdir(parents=True)
    r = _batch(cohort, out)
    check(r, tmp_path)
    assert r.rc in (1, 2)
    if r.rc == 1:
        rows = _summary(out)
        assert [row["status"] for row in rows] == ["error", "ok"]


# =============================================================================================
# 3. Batch

SECRET = "SECRET_TOKEN_4711"  # noqa: S105 - a marker string, not a password


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "log.csv").write_text(f"date,term,grade\n2022-01-10,{SECRET},3\n", encoding="utf-8")
    (outside / "good-log.csv").write_text(README_AE_LOG, encoding="utf-8")
    (outside / "reg.toml").write_text(BASE_TOML + f"\n{SECRET} = 1\n", encoding="utf-8")
    (outside / "good.toml").write_text(BASE_TOML, encoding="utf-8")
    return outside


ESCAPES = {
    "ae_log-absolute": ("ae_log", "{outside}/log.csv"),
    "ae_log-dotdot": ("ae_log", "../outside/log.csv"),
    "ae_log-symlink": ("ae_log", "link.csv"),
    "ae_log-symlinked-folder": ("ae_log", "linkdir/log.csv"),
    "regimen-absolute": ("regimen", "{outside}/reg.toml"),
    "regimen-dotdot": ("regimen", "../outside/reg.toml"),
    "regimen-symlink": ("regimen", "link.toml"),
}


@pytest.mark.parametrize("case", list(ESCAPES))
def test_batch_paths_may_not_leave_the_cohort_folder(tmp_path: Path, case: str) -> None:
    outside = _outside(tmp_path)
    home = tmp_path / "cohort"
    home.mkdir()
    (home / "link.csv").symlink_to(outside / "log.csv")
    (home / "link.toml").symlink_to(outside / "reg.toml")
    (home / "linkdir").symlink_to(outside)
    column, value = ESCAPES[case]
    row = {
        "patient": "P1",
        "regimen": "anlotinib-sts",
        "start": "2022-01-03",
        "ae_log": "",
        "cycles": "2",
        "start_dose": "",
    }
    row[column] = value.format(outside=outside)
    cohort = _cohort(home, [list(row.values()), ["P2", "anlotinib-sts", "2022-01-03", "", "2", ""]])
    out = home / "out"
    r = _batch(cohort, out)
    check(r, tmp_path)
    assert r.rc == 1, str(r)
    summary = (out / "summary.csv").read_text(encoding="utf-8")
    assert SECRET not in summary, "the summary quotes the other file's content"
    rows = _summary(out)
    assert [x["status"] for x in rows] == ["error", "ok"]
    assert not (out / "P1.ics").exists()


@pytest.mark.parametrize("column", ["ae_log", "regimen"])
def test_batch_data_dir_allows_absolute_paths_into_it(tmp_path: Path, column: str) -> None:
    # "refused ... unless --data-dir DIR is given": an absolute path into DIR is allowed.
    outside = _outside(tmp_path)
    home = tmp_path / "cohort"
    home.mkdir()
    row = ["P1", "anlotinib-sts", "2022-01-03", "", "2", ""]
    prefix = f"{outside}/"
    if column == "ae_log":
        row[3] = prefix + "good-log.csv"
    else:
        row[1] = prefix + "good.toml"
    cohort = _cohort(home, [row])
    out = home / "out"
    r = _batch(cohort, out, "--data-dir", str(outside))
    check(r, tmp_path)
    assert r.rc == 0, str(r)
    assert [x["status"] for x in _summary(out)] == ["ok"]


@pytest.mark.parametrize("column", ["ae_log", "regimen"])
def test_batch_data_dir_still_confines_paths(tmp_path: Path, column: str) -> None:
    outside = _outside(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    home = tmp_path / "cohort"
    home.mkdir()
    row = ["P1", "anlotinib-sts", "2022-01-03", "", "2", ""]
    if column == "ae_log":
        row[3] = str(outside / "log.csv")
    else:
        row[1] = str(outside / "reg.toml")
    cohort = _cohort(home, [row])
    out = home / "out"
    r = _batch(cohort, out, "--data-dir", str(data))
    check(r, tmp_path)
    assert r.rc in (1, 2), str(r)
    if r.rc == 1:
        assert SECRET not in (out / "summary.csv").read_text(encoding="utf-8")
        assert [x["status"] for x in _summary(out)] == ["error"]


#: summary.csv's data columns; anything else (a note, a warning) is where a renaming is said.
DATA_COLUMNS = {
    "patient",
    "regimen",
    "start",
    "status",
    "file",
    "events",
    "radiotherapy_total",
    "drug_delivered",
    "discontinued",
}
RESERVED_KEYS = [
    "summary",
    "SUMMARY",
    ".hidden",
    "-rf",
    "CON",
    "nul.txt",
    "COM1",
    "Con",
    "LPT9",
    "aux.csv",
]


@pytest.mark.parametrize("key", RESERVED_KEYS)
def test_batch_reserved_patient_keys_are_renamed(tmp_path: Path, key: str) -> None:
    rows = [
        [key, "anlotinib-sts", "2022-01-03", "", "1", ""],
        ["P2", "anlotinib-sts", "2022-01-03", "", "1", ""],
    ]
    cohort = _cohort(tmp_path, rows)
    names = []
    for out in (tmp_path / "out1", tmp_path / "out2"):
        r = _batch(cohort, out, "--format", "csv")
        check(r, tmp_path)
        assert r.rc in (0, 1), str(r)
        summary = _summary(out)
        assert len(summary) == 2, "summary.csv was overwritten or is incomplete"
        row = summary[0]
        assert row["status"] == "ok", row
        name = row["file"]
        assert (out / name).is_file()
        stem = name.split(".")[0]
        assert name.lower() != "summary.csv" and name != f"{key}.csv"
        assert not name.startswith((".", "-")), name
        assert stem.upper() not in RESERVED_WINDOWS, name
        said = [v for k, v in row.items() if k not in DATA_COLUMNS and v]
        assert said, f"the summary does not say the key was renamed: {row}"
        names.append(name)
    assert names[0] == names[1], "renaming is not deterministic"


def test_batch_chinese_keys_are_kept(tmp_path: Path) -> None:
    cohort = _cohort(
        tmp_path,
        [
            ["张三1", "anlotinib-sts", "2022-01-03", "", "1", ""],
            ["李四1", "anlotinib-sts", "2022-01-03", "", "1", ""],
        ],
    )
    out = tmp_path / "out"
    r = _batch(cohort, out)
    check(r, tmp_path)
    assert r.rc == 0, str(r)
    assert {p.name for p in out.iterdir()} == {"张三1.ics", "李四1.ics", "summary.csv"}


def test_batch_key_file_name_is_nfc(tmp_path: Path) -> None:
    cohort = _cohort(tmp_path, [["Jose\u0301", "anlotinib-sts", "2022-01-03", "", "1", ""]])
    out = tmp_path / "out"
    r = _batch(cohort, out)
    check(r, tmp_path)
    assert r.rc == 0, str(r)
    assert unicodedata.normalize("NFC", "José.ics") in os.listdir(out)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("P1", "P1", id="same-key-twice"),
        pytest.param("Jos\u00e9", "Jose\u0301", id="nfc-and-nfd"),
    ],
)
def test_batch_two_keys_one_file(tmp_path: Path, first: str, second: str) -> None:
    cohort = _cohort(
        tmp_path,
        [
            [first, "anlotinib-sts", "2022-01-03", "", "1", ""],
            [second, "anlotinib-sts", "2022-01-03", "", "2", ""],
        ],
    )
    out = tmp_path / "out"
    r = _batch(cohort, out)
    check(r, tmp_path)
    assert r.rc == 1, str(r)
    rows = _summary(out)
    assert [x["status"] for x in rows] == ["ok", "error"]
    assert "line 2" in rows[1]["error"]
    assert len(ics_events(out / rows[0]["file"])) == 14, "the first patient's file was replaced"


@pytest.mark.parametrize("fmt", ["ics", "csv"])
def test_batch_rerun_with_failing_row_removes_old_file(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    good = _cohort(
        tmp_path,
        [
            ["P1", "anlotinib-sts", "2022-01-03", "", "1", ""],
            ["P2", "anlotinib-sts", "2022-01-03", "", "1", ""],
        ],
    )
    assert _batch(good, out, "--format", fmt).rc == 0
    old = out / _summary(out)[0]["file"]
    assert old.exists()
    bad = _cohort(
        tmp_path,
        [
            ["P1", "anlotinib-sts", "2022-02-30", "", "1", ""],
            ["P2", "anlotinib-sts", "2022-01-03", "", "1", ""],
        ],
    )
    r = _batch(bad, out, "--format", fmt)
    check(r, tmp_path)
    assert r.rc == 1
    assert not old.exists(), "a stale calendar of a failed row was left behind"


def _count_in_file(path: Path, fmt: str) -> int:
    if fmt == "ics":
        return len(ics_events(path))
    text = path.read_bytes().decode("utf-8")
    if fmt == "csv":
        records = list(csv.DictReader(io.StringIO(text, newline="")))
        return sum(1 for rec in records if rec.get("kind") != "decision")  # decisions: not events
    return len(json.loads(text)["events"])


@pytest.mark.parametrize(
    ("fmt", "log"),
    [
        pytest.param("ics", False, id="ics-plain"),
        pytest.param("ics", True, id="ics-with-hold"),
        pytest.param("csv", True, id="csv-with-hold"),
        pytest.param("json", True, id="json-with-hold"),
    ],
)
def test_batch_events_column_equals_file(tmp_path: Path, fmt: str, log: bool) -> None:
    (tmp_path / "log.csv").write_text(README_AE_LOG, encoding="utf-8")
    cohort = _cohort(
        tmp_path, [["P1", "anlotinib-sts", "2022-01-03", "log.csv" if log else "", "2", ""]]
    )
    out = tmp_path / "out"
    r = _batch(cohort, out, "--format", fmt)
    check(r, tmp_path)
    assert r.rc == 0, str(r)
    row = _summary(out)[0]
    assert int(row["events"]) == _count_in_file(out / row["file"], fmt)


@pytest.mark.parametrize(
    "cycles",
    [
        pytest.param("²", id="superscript-2"),
        pytest.param("٣", id="arabic-indic-3"),
        pytest.param("３", id="fullwidth-3"),
        pytest.param("１２", id="fullwidth-12"),
        pytest.param("৩", id="bengali-3"),
    ],
)
def test_batch_non_ascii_digits_in_cycles_are_a_row_error(tmp_path: Path, cycles: str) -> None:
    cohort = _cohort(
        tmp_path,
        [
            ["P1", "anlotinib-sts", "2022-01-03", "", "1", ""],
            ["P2", "anlotinib-sts", "2022-01-03", "", cycles, ""],
            ["P3", "anlotinib-sts", "2022-01-03", "", "1", ""],
        ],
    )
    out = tmp_path / "out"
    r = _batch(cohort, out)
    check(r, tmp_path)
    assert r.rc == 1, str(r)
    assert [x["status"] for x in _summary(out)] == ["ok", "error", "ok"]
    assert (out / "P1.ics").exists() and (out / "P3.ics").exists()


@pytest.mark.parametrize(
    "cycles",
    [
        pytest.param("99999999999999999999", id="huge"),
        pytest.param("-1", id="negative"),
        pytest.param("3.0", id="decimal"),
        pytest.param("0", id="zero"),
    ],
)
def test_batch_odd_cycles_never_stop_the_batch(tmp_path: Path, cycles: str) -> None:
    cohort = _cohort(
        tmp_path,
        [
            ["P1", "anlotinib-sts", "2022-01-03", "", cycles, ""],
            ["P2", "anlotinib-sts", "2022-01-03", "", "1", ""],
        ],
    )
    out = tmp_path / "out"
    r = _batch(cohort, out)
    check(r, tmp_path)
    assert r.rc in (0, 1), str(r)
    assert [x["status"] for x in _summary(out)][1] == "ok"


SIGNALS = [
    pytest.param(s, j, id=f"{s.name}-jobs{j}", marks=pytest.mark.slow)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    for j in (1, 2, 4)
]


@pytest.mark.parametrize(("sig", "jobs"), SIGNALS)
def test_batch_interrupted(tmp_path: Path, sig: signal.Signals, jobs: int) -> None:
    n = 600
    cohort = _cohort(
        tmp_path, [[f"P{i:04d}", "lms-rt-anlotinib", "2022-05-16", "", "6", ""] for i in range(n)]
    )
    out = tmp_path / "out"
    with (tmp_path / "stderr").open("wb") as err:
        proc = subprocess.Popen(  # noqa: S603 - our own CLI
            [
                *COMMAND,
                "batch",
                str(cohort),
                "--output-dir",
                str(out),
                "--jobs",
                str(jobs),
                "--generated-at",
                STAMP,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=_env(None),
            preexec_fn=_child_setup,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and proc.poll() is None:
                if out.is_dir() and sum(1 for _ in out.glob("*.ics")) >= 3:
                    break
                time.sleep(0.02)
            assert proc.poll() is None, "the batch finished before the signal could be sent"
            proc.send_signal(sig)
            try:
                rc = proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                pytest.fail(f"still running {TIMEOUT} s after {sig.name}")
            time.sleep(0.3)  # any orphaned worker gets its chance to leave a mess
        finally:
            _kill_group(proc.pid)
            proc.wait()
    stderr = (tmp_path / "stderr").read_bytes().decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    assert len(stderr.splitlines()) <= 1, stderr
    # 1: the run did not complete (regimen exits 0, 1, 2 or 3 only; never 3 here)
    # and never death by the signal itself (a negative return code: no clean-up ran).
    assert rc == 1, f"exit {rc} after {sig.name}"
    assert tmp_files(out) == []
    summary = out / "summary.csv"
    if summary.exists():
        rows = list(csv.reader(io.StringIO(summary.read_bytes().decode("utf-8"), newline="")))
        assert len(rows) == 1 + n, "summary.csv is partial"


# =============================================================================================
# 4. Resource exhaustion

MB = 1 << 20


def _big(tmp: Path, slot: str) -> list[str | Path]:
    if slot == "regimen":
        p = tmp / "big.toml"
        p.write_text(BASE_TOML + ("# padding\n" * (MB // 10 * 2)), encoding="utf-8")
        return ["show", p]
    if slot == "ae-log":
        p = tmp / "big.csv"
        p.write_text("date,term,grade\n" + "# padding\n" * (MB // 10 * 2), encoding="utf-8")
        return [*CAL, "--ae-log", p, "-o", tmp / "o.txt"]
    if slot == "cohort":
        p = tmp / "big.csv"
        p.write_text("patient,regimen,start\n" + "\n" * (2 * MB), encoding="utf-8")
        return ["batch", p, "--output-dir", tmp / "out"]
    # check-ics reads up to 20 MB (regimen's own 1,000-cycle export is about 12 MB): a sparse
    # 8 GB file claims far more and must be refused without reading it all.
    p = tmp / "big.ics"
    with p.open("wb") as handle:
        handle.write(b"BEGIN:VCALENDAR\r\n")
        handle.truncate(8 * 1024 * MB)
    return ["check-ics", p]


@pytest.mark.parametrize("slot", ["regimen", "ae-log", "cohort", "check-ics"])
def test_file_over_its_limit_is_refused_quickly(tmp_path: Path, slot: str) -> None:
    """1 MB for regimen files, AE logs and cohorts; 20 MB for check-ics."""
    r = regimen(*_big(tmp_path, slot), timeout=10)
    refused(r, folders=[tmp_path])
    assert r.seconds < 8, f"took {r.seconds:.1f} s"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("x = " + "[" * 50_000 + "]" * 50_000 + "\n", id="arrays-50000-deep"),
        pytest.param(
            "x = " + "{a = " * 50_000 + "1" + "}" * 50_000 + "\n", id="inline-tables-50000-deep"
        ),
        pytest.param("[" + ".".join(["a"] * 20_000) + "]\nb = 1\n", id="dotted-header-20000-deep"),
        pytest.param("notes = [" + "[" * 5_000 + '"x"' + "]" * 5_000 + "]\n", id="notes-5000-deep"),
    ],
)
def test_deeply_nested_toml(tmp_path: Path, body: str) -> None:
    p = tmp_path / "deep.toml"
    p.write_text(body, encoding="utf-8")
    r = regimen("validate", p)
    refused(r, folders=[tmp_path])
    assert r.seconds < 15


def test_ae_log_with_100000_rows(tmp_path: Path) -> None:
    p = tmp_path / "log.csv"
    p.write_text("date,term,grade\n" + "2022-01-10,rash,1\n" * 100_000, encoding="utf-8")
    r = regimen(*CAL, "--ae-log", p, "-o", tmp_path / "o.txt", timeout=20)
    check(r, tmp_path)


def test_ae_log_with_20000_short_rows_under_1_mb(tmp_path: Path) -> None:
    rows = "".join(f"2022-{1 + i // 28 % 12:02d}-{1 + i % 28:02d},rash,1\n" for i in range(20_000))
    p = tmp_path / "log.csv"
    p.write_text("date,term,grade\n" + rows, encoding="utf-8")
    r = regimen(*CAL, "--ae-log", p, "-o", tmp_path / "o.txt", timeout=20)
    check(r, tmp_path)


def test_regimen_name_of_900_kb(tmp_path: Path) -> None:
    path = regimen_with(tmp_path, "name", "n" * 900_000)
    r = regimen(
        "calendar",
        path,
        "--start",
        "2022-05-16",
        "--cycles",
        "1",
        "--format",
        "ics",
        "--with-drug-names",
        "--generated-at",
        STAMP,
        "-o",
        tmp_path / "o.ics",
    )
    check(r, tmp_path)
    assert r.seconds < 15
    if r.rc == 0:
        assert_clean_ics(tmp_path / "o.ics", 10 + 3 + 14)


def test_ae_note_of_900_kb(tmp_path: Path) -> None:
    p = tmp_path / "log.csv"
    p.write_text(f"date,term,grade,note\n2022-01-10,rash,3,{'n' * 900_000}\n", encoding="utf-8")
    r = regimen(
        *CAL, "--ae-log", p, "--format", "ics", "--generated-at", STAMP, "-o", tmp_path / "o.ics"
    )
    check(r, tmp_path)
    assert r.seconds < 15


def test_cohort_patient_key_of_900_kb(tmp_path: Path) -> None:
    cohort = _cohort(
        tmp_path,
        [
            ["k" * 900_000, "anlotinib-sts", "2022-01-03", "", "1", ""],
            ["P2", "anlotinib-sts", "2022-01-03", "", "1", ""],
        ],
    )
    out = tmp_path / "out"
    r = _batch(cohort, out)
    check(r, tmp_path)
    assert r.seconds < 15
    if out.is_dir():
        assert all(len(p.name.encode()) <= 255 for p in out.iterdir())


def test_check_ics_line_of_900_kb(tmp_path: Path) -> None:
    p = tmp_path / "x.ics"
    p.write_bytes(b"BEGIN:VCALENDAR\r\nX-A:" + b"a" * 900_000 + b"\r\nEND:VCALENDAR\r\n")
    r = regimen("check-ics", p)
    check(r, tmp_path)
    assert r.rc in (1, 2)


@pytest.mark.parametrize(
    "where",
    [
        pytest.param("header", id="100000-header-columns"),
        pytest.param("row", id="100000-columns-in-a-row"),
    ],
)
def test_cohort_with_huge_number_of_columns(tmp_path: Path, where: str) -> None:
    wide = ",".join(f"c{i}" for i in range(100_000)) if where == "header" else "," * 100_000
    if where == "header":
        text = f"patient,regimen,start,{wide}\nP1,anlotinib-sts,2022-01-03\n"
    else:
        text = f"patient,regimen,start\nP1,anlotinib-sts,2022-01-03{wide}\n"
    p = tmp_path / "c.csv"
    p.write_text(text, encoding="utf-8")
    r = regimen("batch", p, "--output-dir", tmp_path / "out")
    check(r, tmp_path)
    assert r.seconds < 15


def test_cohort_with_100001_rows_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("patient,regimen,start\n" + "p,x,y\n" * 100_001, encoding="utf-8")
    r = regimen("batch", p, "--output-dir", tmp_path / "out")
    refused(r, folders=[tmp_path])
    assert r.seconds < 10


def test_regimen_with_2000_courses(tmp_path: Path) -> None:
    head, _, _ = BASE_TOML.partition("[[courses]]")
    course = (
        '[[courses]]\nid = "rt{i}"\ntype = "radiotherapy"\nsource = "li2025"\n'
        '  [[courses.phases]]\n  technique = "IMRT"\n  fractions = 1\n'
        '  dose_per_fraction = "2 Gy"\n  source = "li2025"\n'
    )
    p = tmp_path / "many.toml"
    p.write_text(head + "".join(course.format(i=i) for i in range(2000)), encoding="utf-8")
    r = regimen(
        "calendar",
        p,
        "--start",
        "2022-05-16",
        "--format",
        "ics",
        "--generated-at",
        STAMP,
        "-o",
        tmp_path / "o.ics",
    )
    check(r, tmp_path)


# =============================================================================================
# 5. Odd option values

ICS = [*CAL, "--format", "ics", "--generated-at", STAMP]
ICS_NO_STAMP = [*CAL, "--format", "ics"]
LMS = ["calendar", "lms-rt-anlotinib", "--start", "2022-05-16", "--cycles", "1"]

#: (argv, environment, expectation): "refused" = exit 2 and one line; "ok" = exit 0;
#: "either" = the invariants only. "{out}" is replaced by an output path in tmp_path.
OPTION_CASES: dict[str, tuple[list[str], dict[str, str], str]] = {
    "time-superscript-2": ([*ICS, "--time", "0²:00", "--tz", "UTC"], {}, "refused"),
    "time-arabic-indic": ([*ICS, "--time", "٠٨:٠٠", "--tz", "UTC"], {}, "refused"),
    "time-fullwidth": ([*ICS, "--time", "０８:００", "--tz", "UTC"], {}, "refused"),
    "reminder-superscript-2": ([*ICS, "--reminder", "0²:00"], {}, "refused"),
    "reminder-arabic-indic": ([*ICS, "--reminder", "٠٧:٣٠"], {}, "refused"),
    "cycles-superscript-2": ([*CAL[:-1], "²"], {}, "refused"),
    "cycles-arabic-indic": ([*CAL[:-1], "٣"], {}, "refused"),
    "cycles-fullwidth": ([*CAL[:-1], "３"], {}, "refused"),
    "cycles-huge": ([*CAL[:-1], "99999999999999999999"], {}, "refused"),
    "jobs-arabic-indic": (
        ["batch", "{cohort}", "--output-dir", "{dir}", "--jobs", "٢"],
        {},
        "refused",
    ),
    "jobs-fullwidth": (
        ["batch", "{cohort}", "--output-dir", "{dir}", "--jobs", "４"],
        {},
        "refused",
    ),
    "jobs-zero": (["batch", "{cohort}", "--output-dir", "{dir}", "--jobs", "0"], {}, "refused"),
    "jobs-huge": (
        ["batch", "{cohort}", "--output-dir", "{dir}", "--jobs", "99999999999999999999999"],
        {},
        "refused",
    ),
    "check-ics-events-fullwidth": (["check-ics", "{ics}", "--events", "３"], {}, "refused"),
    "isoeffect-fractions-fullwidth": (
        ["isoeffect", "10x2Gy", "--alpha-beta", "10Gy", "--fractions", "３"],
        {},
        "refused",
    ),
    "sde-superscript-2": (ICS_NO_STAMP, {"SOURCE_DATE_EPOCH": "²"}, "refused"),
    "sde-arabic-indic": (ICS_NO_STAMP, {"SOURCE_DATE_EPOCH": "٣"}, "refused"),
    "sde-fullwidth": (ICS_NO_STAMP, {"SOURCE_DATE_EPOCH": "１６００００００００"}, "refused"),
    "sde-batch-superscript-2": (
        ["batch", "{cohort}", "--output-dir", "{dir}"],
        {"SOURCE_DATE_EPOCH": "²"},
        "refused",
    ),
    "sde-year-10000": (ICS_NO_STAMP, {"SOURCE_DATE_EPOCH": "253402300800"}, "either"),
    "sde-negative": (ICS_NO_STAMP, {"SOURCE_DATE_EPOCH": "-1"}, "either"),
    "sde-huge": (ICS_NO_STAMP, {"SOURCE_DATE_EPOCH": "9" * 30}, "either"),
    "sde-float": (ICS_NO_STAMP, {"SOURCE_DATE_EPOCH": "1e9"}, "either"),
    "generated-at-year-1-plus-1h": (
        [*ICS_NO_STAMP, "--generated-at", "0001-01-01T00:00:00+01:00"],
        {},
        "either",
    ),
    "generated-at-year-9999-minus-1h": (
        [*ICS_NO_STAMP, "--generated-at", "9999-12-31T23:59:59-01:00"],
        {},
        "either",
    ),
    "generated-at-empty": ([*ICS_NO_STAMP, "--generated-at", ""], {}, "refused"),
    "generated-at-naive": ([*ICS_NO_STAMP, "--generated-at", "2022-01-01T00:00:00"], {}, "refused"),
    "generated-at-fullwidth": (
        [*ICS_NO_STAMP, "--generated-at", "２０２２-01-01T00:00:00Z"],
        {},
        "refused",
    ),
    "batch-generated-at-year-1": (
        [
            "batch",
            "{cohort}",
            "--output-dir",
            "{dir}",
            "--generated-at",
            "0001-01-01T00:00:00+01:00",
        ],
        {},
        "either",
    ),
    "tz-empty-with-time": ([*ICS, "--time", "08:00", "--tz", ""], {}, "refused"),
    "time-empty-with-tz": ([*ICS, "--time", "", "--tz", "UTC"], {}, "refused"),
    "reminder-empty": ([*ICS, "--reminder", ""], {}, "refused"),
    "ae-log-empty": ([*CAL, "--ae-log", ""], {}, "refused"),
    "output-empty": ([*CAL, "-o", ""], {}, "refused"),
    "course-start-empty": ([*CAL, "--course-start", ""], {}, "refused"),
    "start-dose-empty": ([*CAL, "--start-dose", ""], {}, "refused"),
    "holidays-empty": ([*LMS, "--holidays", ""], {}, "either"),
    "reminder-after-timed-event": (
        [*ICS, "--time", "08:00", "--tz", "UTC", "--reminder", "09:00"],
        {},
        "refused",
    ),
    "reminder-after-late-event": (
        [*ICS, "--time", "23:00", "--tz", "Asia/Shanghai", "--reminder", "23:30"],
        {},
        "refused",
    ),
    "reminder-before-timed-event": (
        [*ICS, "--time", "08:00", "--tz", "UTC", "--reminder", "07:00"],
        {},
        "ok",
    ),
    "reminder-at-timed-event": (
        [*ICS, "--time", "08:00", "--tz", "UTC", "--reminder", "08:00"],
        {},
        "either",
    ),
    "reminder-all-day": ([*ICS, "--reminder", "09:00"], {}, "ok"),
    "start-9999-12-31-ics": (
        [
            "calendar",
            "anlotinib-sts",
            "--start",
            "9999-12-31",
            "--format",
            "ics",
            "--generated-at",
            STAMP,
        ],
        {},
        "either",
    ),
    "start-9999-12-31-json": (
        ["calendar", "anlotinib-sts", "--start", "9999-12-31", "--format", "json"],
        {},
        "either",
    ),
    "start-9999-12-31-html": (
        ["calendar", "lms-rt-anlotinib", "--start", "9999-12-31", "--format", "html"],
        {},
        "either",
    ),
    "start-9999-12-31-csv": (
        [
            "calendar",
            "lms-rt-anlotinib",
            "--start",
            "9999-12-31",
            "--format",
            "csv",
            "--holidays",
            "CN",
        ],
        {},
        "either",
    ),
    "start-9999-12-31-dose": (["dose", "anlotinib-sts", "--start", "9999-12-31"], {}, "either"),
    "start-0001-01-01-ics-timed": (
        [
            "calendar",
            "lms-rt-anlotinib",
            "--start",
            "0001-01-01",
            "--cycles",
            "1",
            "--format",
            "ics",
            "--generated-at",
            STAMP,
            "--time",
            "08:00",
            "--tz",
            "Asia/Shanghai",
        ],
        {},
        "either",
    ),
    "start-0001-01-01-holidays": (
        [
            "calendar",
            "lms-rt-anlotinib",
            "--start",
            "0001-01-01",
            "--cycles",
            "1",
            "--holidays",
            "CN",
        ],
        {},
        "either",
    ),
    "start-0001-01-01-text": (
        ["calendar", "anlotinib-sts", "--start", "0001-01-01", "--cycles", "1"],
        {},
        "either",
    ),
    "course-start-9999-12-31": ([*LMS, "--course-start", "anlotinib=9999-12-31"], {}, "either"),
    "as-of-0001-01-01": ([*CAL, "--as-of", "0001-01-01"], {}, "either"),
    "as-of-9999-12-31": ([*CAL, "--as-of", "9999-12-31", "--format", "json"], {}, "either"),
    "as-of-2022-02-30": ([*CAL, "--as-of", "2022-02-30"], {}, "refused"),
    "course-start-2022-02-29": ([*LMS, "--course-start", "anlotinib=2022-02-29"], {}, "refused"),
    "start-2022-02-29": (["calendar", "anlotinib-sts", "--start", "2022-02-29"], {}, "refused"),
    "start-2024-02-29": (
        ["calendar", "anlotinib-sts", "--start", "2024-02-29", "--cycles", "1"],
        {},
        "ok",
    ),
    "start-arabic-indic": (["calendar", "anlotinib-sts", "--start", "٢٠٢٢-٠١-٠٣"], {}, "refused"),
    "start-dose-12.0000001mg": ([*CAL, "--start-dose", "anlotinib=12.0000001mg"], {}, "refused"),
    "start-dose-12-micro-sign-g": ([*CAL, "--start-dose", "anlotinib=12 µg"], {}, "refused"),
    "start-dose-12-greek-mu-g": ([*CAL, "--start-dose", "anlotinib=12 μg"], {}, "refused"),
    "start-dose-10000-micro-g": ([*CAL, "--start-dose", "anlotinib=10000 µg"], {}, "either"),
    "start-dose-1e308mg": ([*CAL, "--start-dose", "anlotinib=1e308mg"], {}, "refused"),
    "start-dose-nan-mg": ([*CAL, "--start-dose", "anlotinib=nan mg"], {}, "refused"),
    "start-dose-inf-mg": ([*CAL, "--start-dose", "anlotinib=inf mg"], {}, "refused"),
    "start-dose-negative": ([*CAL, "--start-dose", "anlotinib=-10mg"], {}, "refused"),
    "start-dose-fullwidth-10": ([*CAL, "--start-dose", "anlotinib=１０mg"], {}, "refused"),
    "start-dose-hex": ([*CAL, "--start-dose", "anlotinib=0x0A mg"], {}, "refused"),
    "start-dose-unit-twice": ([*CAL, "--start-dose", "anlotinib=10 mg mg"], {}, "refused"),
    "start-dose-rlo": ([*CAL, "--start-dose", "anlotinib=10mg\u202e"], {}, "refused"),
    "start-dose-1e-320mg": ([*CAL, "--start-dose", "anlotinib=1e-320mg"], {}, "refused"),
    "bed-alpha-beta-inf": (["bed", "10x2Gy", "--alpha-beta", "inf Gy"], {}, "refused"),
    "bed-alpha-beta-fullwidth": (["bed", "10x2Gy", "--alpha-beta", "３Gy"], {}, "refused"),
    "bed-alpha-beta-denormal": (["bed", "10x2Gy", "--alpha-beta", "1e-320Gy"], {}, "either"),
    "bed-reference-dose-nan": (["bed", "10x2Gy", "--reference-dose", "nan Gy"], {}, "refused"),
    "bed-k-inf": (
        ["bed", "10x2Gy", "--overall-time", "14d", "--kickoff", "7d", "--k", "inf Gy/d"],
        {},
        "refused",
    ),
    "bed-overall-time-1e308": (
        ["bed", "10x2Gy", "--overall-time", "1e308d", "--kickoff", "7d", "--k", "0.9Gy/d"],
        {},
        "refused",
    ),
    "bed-fullwidth-count": (["bed", "１０x2Gy"], {}, "refused"),
    "bed-tiny-dose": (["bed", "1x1e-300Gy"], {}, "either"),
    "dose-alpha-beta-inf": (["dose", "lms-rt-anlotinib", "--alpha-beta", "inf Gy"], {}, "refused"),
    "isoeffect-dose-per-fraction-inf": (
        ["isoeffect", "10x2Gy", "--alpha-beta", "10Gy", "--dose-per-fraction", "inf Gy"],
        {},
        "refused",
    ),
    "check-ics-events-negative": (["check-ics", "{ics}", "--events", "-1"], {}, "either"),
}


@pytest.mark.parametrize("case", list(OPTION_CASES))
def test_odd_option_value(tmp_path: Path, case: str) -> None:
    argv, env, expect = OPTION_CASES[case]
    ics = tmp_path / "given.ics"
    ics.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//x//EN\r\nEND:VCALENDAR\r\n")
    cohort = _one_row(tmp_path)
    filled = [
        a.replace("{cohort}", str(cohort))
        .replace("{dir}", str(tmp_path / "out"))
        .replace("{ics}", str(ics))
        for a in argv
    ]
    if filled[0] == "calendar" and "-o" not in filled:
        filled += ["-o", str(tmp_path / "out.txt")]
    r = regimen(*filled, env=env)
    if expect == "refused":
        refused(r, folders=[tmp_path])
        assert not (tmp_path / "out.txt").exists()
        assert not (tmp_path / "out" / "summary.csv").exists()
    else:
        check(r, tmp_path)
        if expect == "ok":
            assert r.rc == 0, str(r)


def test_case_count() -> None:
    # The issue asks for at least 160 cases; count the parametrised ones in this module.
    counted = (
        len(CONTROL_CASES)
        + len(ICS_CASES)
        + len(HTML_CASES)
        + len(FS_INPUT_CASES)
        + len(OPTION_CASES)
        + len(SIGNALS)
        + len(RESERVED_KEYS)
        + len(ESCAPES)
    )
    assert counted >= 160


def test_base_regimen_file_loads() -> None:
    # Every corrupted copy starts from this file: were it refused as it is, the refusals of the
    # corrupted copies would prove nothing.
    r = regimen("validate", BASE_FILE)
    check(r)
    assert r.rc == 0, str(r)

# =============================================================================================
# Random input, in-process (Hypothesis)


LONG = int(os.environ.get("REGIMEN_FUZZ_EXAMPLES", "0"))
EXAMPLES = LONG or 400
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=not LONG,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
BUNDLED = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "regimens").glob("*.toml")}
RUNNER = CliRunner()

TOKENS = [
    "10x400cGy",
    "3 x 7 Gy",
    "50.4 Gy/28",
    "50.4Gy/28f",
    "2.5x2Gy",
    "10x400mg",
    "0x2Gy",
    "10x0Gy",
    "1e308Gy",
    "nanGy",
    "x",
    "+",
    "/",
    "10x2Sv",
    "10Gy",
    "3Gy",
    "0Gy",
    "-3Gy",
    "200cGy",
    "2 rad",
    "1 J/kg",
    "12 mg",
    "0.5mg",
    "2022-05-16",
    "2022-02-30",
    "03/04/2022",
    "10000-01-01",
    "0",
    "-1",
    "25",
    "10000000",
    "lq",
    "lq-l",
    "text",
    "json",
    "csv",
    "ics",
    "html",
    "--alpha-beta",
    "--reference-dose",
    "--model",
    "--transition-dose",
    "--overall-time",
    "--kickoff",
    "--k",
    "--dprolif",
    "--dose-per-fraction",
    "--fractions",
    "--start",
    "--cycles",
    "--holidays",
    "CN",
    "XX",
    "--course-start",
    "anlotinib=2022-06-01",
    "radiotherapy=2022-05-01",
    "--start-dose",
    "anlotinib=10mg",
    "anlotinib=9mg",
    "--format",
    "--time",
    "08:00",
    "25:00",
    "--tz",
    "Asia/Shanghai",
    "Mars/Olympus",
    "--reminder",
    "--with-drug-names",
    "--plan-id",
    "--generated-at",
    "2022-01-01T00:00:00Z",
    "yesterday",
    "30d",
    "28d",
    "0.9Gy/d",
    "-1Gy/d",
    "--treat-makeup-days",
    "",
    " ",
    "é",
    "中文",
    "\x00",
    *BUNDLED,
]
COMMANDS = ["bed", "isoeffect", "dose", "calendar", "show", "validate", "list", "check-ics"]


def _check(argv: list[str]) -> None:
    result = RUNNER.invoke(cli, argv, catch_exceptions=True)
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr, (argv, result.stderr)
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) >= 1, argv
        assert lines[-1].startswith("error: "), (argv, result.stderr)
        if argv and argv[0] != "validate" and "--help" not in argv:
            assert len(lines) == 1, (argv, result.stderr)


@SETTINGS
@given(cmd=st.sampled_from(COMMANDS), rest=st.lists(st.sampled_from(TOKENS), max_size=8))
def test_fuzz_argv(cmd: str, rest: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        argv = [cmd, *rest]
        if cmd == "calendar" and "-o" not in argv:
            argv += ["-o", str(Path(tmp) / "out")]
        _check(argv)


EXPR_ALPHABET = "0123456789 x+/.-eEGycmgSvf×*"


@SETTINGS
@given(expr=st.text(alphabet=EXPR_ALPHABET, max_size=24), ab=st.sampled_from(["10Gy", "3 Gy"]))
def test_fuzz_expressions(expr: str, ab: str) -> None:
    _check(["bed", expr, "--alpha-beta", ab, "--format", "json"])
    _check(["isoeffect", expr, "--fractions", "5", "--alpha-beta", ab])


VALUES = [
    '"abc"',
    "1e308",
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "2.7",
    "true",
    "[]",
    "[1, 2]",
    "{}",
    '"12 mg"',
    '"400 cGy"',
    '"21 d"',
    '"0 d"',
    '"1-30"',
    '"0-3"',
    '"any"',
    '"hold"',
    '"lower"',
    "10000000",
    '"2022-01-01"',
    "2022-01-01",
    '"中文"',
    '""',
]


@SETTINGS
@given(
    rid=st.sampled_from(sorted(BUNDLED)),
    edits=st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.sampled_from(["value", "delete", "dup", "junk"]),
            st.sampled_from(VALUES),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_fuzz_regimen_files(rid: str, edits: list[tuple[int, str, str]]) -> None:
    lines = BUNDLED[rid].splitlines()
    for pos, kind, value in edits:
        i = pos % len(lines)
        if kind == "value" and "=" in lines[i]:
            lines[i] = lines[i].split("=", 1)[0] + "= " + value
        elif kind == "delete":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        else:
            lines.insert(i, value)
        if not lines:
            lines = [""]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{rid}.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        _check(["validate", str(path)])
        _check(
            [
                "calendar",
                str(path),
                "--start",
                "2022-05-16",
                "--cycles",
                "2",
                "-o",
                str(Path(tmp) / "out.txt"),
            ]
        )


TERMS = ["hand-foot skin reaction", "Hypertension", "bleeding", "diarrhoea", "wibble", "", "any"]
DATES = [
    "2022-01-02",
    "2022-01-05",
    "2022-01-10",
    "2022-01-12",
    "2022-01-20",
    "2022-02-30",
    "03/04/2022",
    "2022-1-5",
    "10000-01-01",
    "",
]
GRADES = ["0", "1", "2", "3", "4", "5", "6", "-1", "2.5", "x", ""]


@SETTINGS
@given(
    header=st.sampled_from(
        [
            "date,term,grade",
            "date,term,grade,note",
            "date,term,grade,course",
            "date,term",
            "term,date,grade",
            "",
            "date,term,grade,extra",
        ]
    ),
    rows=st.lists(
        st.tuples(
            st.sampled_from(DATES),
            st.sampled_from(TERMS),
            st.sampled_from(GRADES),
            st.sampled_from(["", "anlotinib", "pembrolizumab", "nope"]),
        ),
        max_size=6,
    ),
    rid=st.sampled_from(["anlotinib-sts", "anlotinib-pembrolizumab", "lms-rt-anlotinib"]),
)
def test_fuzz_ae_logs(header: str, rows: list[tuple[str, str, str, str]], rid: str) -> None:
    body = "\n".join(",".join(r) for r in rows)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log.csv"
        log.write_text(f"{header}\n{body}\n", encoding="utf-8")
        _check(
            [
                "calendar",
                rid,
                "--start",
                "2022-01-03",
                "--cycles",
                "2",
                "--ae-log",
                str(log),
                "--format",
                "json",
                "-o",
                str(Path(tmp) / "out.json"),
            ]
        )
        _check(["dose", rid, "--start", "2022-01-03", "--cycles", "2", "--ae-log", str(log)])


def test_regression_check_ics_path_with_a_nul_character_is_one_line(tmp_path: Path) -> None:
    # Found by the fuzz tests: os.open raised ValueError (exit 3) for a NUL in the name.
    from click.testing import CliRunner

    from regimen.cli import cli

    result = CliRunner().invoke(cli, ["check-ics", "a\x00b.ics"])
    assert result.exit_code == 2
    assert result.stderr == "error: a\\x00b.ics: the file name holds a NUL character\n"
