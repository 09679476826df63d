"""The application pipeline (regimen.app) and the command-line regressions it fixed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from regimen import app
from regimen.errors import InputError
from tests.helpers import one_error_line

CAL = ["calendar", "anlotinib-sts", "--start", "2022-01-03", "--cycles", "1"]
ICS = [*CAL, "--format", "ics"]


# --- numbers: ASCII digits only ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["²", "٣", "１２", "1_000", "1.0", "", " ", "+", "0x10"])
def test_whole_number_refuses_anything_but_ascii_digits(text: str) -> None:
    with pytest.raises(app.FieldError) as info:
        app.whole_number(text, "cycles")
    assert info.value.field == "cycles"
    assert str(info.value).startswith("cycles: must be a whole number (digits 0-9), got ")


def test_whole_number_is_bounded_before_int() -> None:
    assert app.whole_number(" 12 ", "cycles") == 12
    assert app.whole_number("-1", "cycles") == -1
    with pytest.raises(app.FieldError, match="is too large"):
        app.whole_number("9" * 5000, "cycles")  # int() would raise ValueError past 4300 digits


@pytest.mark.parametrize("value", ["٣", "²", "1_0"])
def test_regression_cycles_option_takes_ascii_digits_only(run, value: str) -> None:
    # click's int type calls int(), which reads '٣' as 3 and '1_0' as 10
    argv = ["calendar", "anlotinib-sts", "--start", "2022-01-03", "--cycles", value]
    assert one_error_line(run(*argv)) == (
        f"error: cli calendar: Invalid value for '--cycles': '{value}' is not a valid integer."
    )


# --- the generation time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("epoch", "expected"),
    [
        ("²", "must be whole seconds since 1970 (digits 0-9), got '²'"),
        ("١٢", "must be whole seconds since 1970 (digits 0-9), got '١٢'"),
        (
            "253402300800",  # 10000-01-01T00:00:00Z: no four-digit year
            "'253402300800' is out of range (at most 253402300799, 9999-12-31T23:59:59Z)",
        ),
        ("9" * 5000, "'" + "9" * 40 + "...' is out of range (at most 253402300799, "),
    ],
)
def test_regression_source_date_epoch(run, monkeypatch, epoch: str, expected: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    line = one_error_line(run(*ICS))
    assert line.startswith(f"error: SOURCE_DATE_EPOCH: {expected}")


def test_source_date_epoch_last_second_of_9999(run, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "253402300799")
    r = run(*ICS)
    assert r.exit_code == 0, r.stderr
    assert "DTSTAMP:99991231T235959Z" in r.stdout


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-01:00", "0001-01-01T00:30:00+01:00"]
)
def test_regression_generated_at_out_of_range(run, value: str) -> None:
    # +01:00 on the first day of year 1 is 31 December of year 0 in UTC: no such datetime
    line = one_error_line(run(*ICS, "--generated-at", value))
    assert line == (
        f"error: --generated-at: '{value}' is out of range (0001-01-01 to 9999-12-31 in UTC)"
    )


def test_generated_at_refuses_non_ascii_digits(run) -> None:
    line = one_error_line(run(*ICS, "--generated-at", "２０２２-01-01T00:00:00Z"))
    assert line.startswith("error: --generated-at: expected an ISO date-time like")


# --- names no file system can hold -------------------------------------------------------------


@pytest.mark.parametrize("command", ["show", "validate", "calendar", "dose"])
def test_regression_long_regimen_path(run, tmp_path: Path, command: str) -> None:
    name = str(tmp_path / ("r" * 256)) + ".toml"
    argv = [command, name] + (["--start", "2022-01-03"] if command == "calendar" else [])
    line = one_error_line(run(*argv))
    assert line == f"error: {name}: file name too long (261 bytes in one name; at most 255)"


def test_long_ae_log_path(run, tmp_path: Path) -> None:
    name = str(tmp_path / ("a" * 300))
    line = one_error_line(run(*CAL, "--ae-log", name))
    assert line.startswith(f"error: {name}: ")


# --- one set of names, translated once per front end -------------------------------------------


def test_library_errors_name_fields_and_each_front_end_translates_them() -> None:
    error = app.FieldError("must be between 1 and 1000, got 0", "cycles")
    assert str(error) == "cycles: must be between 1 and 1000, got 0"
    from regimen.batch import COLUMN_NAMES
    from regimen.cli import CLI_NAMES

    assert str(app.rename(error, CLI_NAMES)) == "--cycles: must be between 1 and 1000, got 0"
    assert str(app.rename(error, COLUMN_NAMES)) == "cycles: must be between 1 and 1000, got 0"
    detailed = app.FieldError("given twice", "start_dose", "anlotinib")
    assert str(app.rename(detailed, CLI_NAMES)) == "--start-dose anlotinib: given twice"
    other = InputError("no such file", where="log.csv")
    assert app.rename(other, CLI_NAMES) is other


def test_lower_layer_option_names_become_fields() -> None:
    from regimen.loading import load_regimen

    request = app.Request(load_regimen("anlotinib-sts"), dt.date(2022, 1, 3), cycles=0)
    with pytest.raises(app.FieldError) as info:
        app.build(request)
    assert (info.value.field, info.value.where) == ("cycles", "cycles")


def test_cohort_cycles_error_in_the_columns_words(run, tmp_path: Path) -> None:
    cohort = tmp_path / "c.csv"
    cohort.write_text("patient,regimen,start,cycles\nP1,anlotinib-sts,2022-01-03,0\n", "utf-8")
    run("batch", str(cohort), "--output-dir", str(tmp_path / "o"), "--format", "json")
    summary = (tmp_path / "o" / "summary.csv").read_text(encoding="utf-8")
    assert "line 2: cycles: must be between 1 and 1000, got 0" in summary


# --- confinement -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("/etc/passwd", "is an absolute path"),
        ("C:/x.csv", "is an absolute path"),
        ("../x.csv", "may not contain '..'"),
        ("a/../../x.csv", "may not contain '..'"),
        ("a\\..\\x.csv", "use / between folders"),
        ("x" * 256, "file name too long"),
    ],
)
def test_confined_path_refuses(tmp_path: Path, value: str, what: str) -> None:
    with pytest.raises(InputError, match=what):
        app.confined_path(value, tmp_path, "ae_log")


def test_confined_path_follows_links_inside_only(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "log.csv").write_text("x", encoding="utf-8")
    (tmp_path / "inside.csv").symlink_to(tmp_path / "sub" / "log.csv")
    (tmp_path / "outside").symlink_to(tmp_path.parent)
    assert app.confined_path("inside.csv", tmp_path, "ae_log") == tmp_path / "sub" / "log.csv"
    assert app.confined_path("sub/log.csv", tmp_path, "ae_log") == tmp_path / "sub" / "log.csv"
    with pytest.raises(InputError, match="through a symbolic link"):
        app.confined_path("outside/x.csv", tmp_path, "ae_log")


# --- counting the events in a file -------------------------------------------------------------


def test_count_events_per_format() -> None:
    ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\n"
    assert app.count_events("ics", ics + "END:VCALENDAR\r\n") == 2
    assert app.count_events("json", '{"events": [{}, {}, {}]}') == 3
    csv_text = "date,kind\r\n2022-01-03,dose\r\n2022-01-04,held\r\n2022-01-04,decision\r\n"
    assert app.count_events("csv", csv_text) == 2
    html = '<div class="item dose" x><div class="item held"><div class="item fraction">'
    assert app.count_events("html", html) == 2
    assert app.count_events("text", "anything") is None
