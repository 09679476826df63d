"""Output files are written whole or not at all, and a user's file is never clobbered."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tests.helpers import one_error_line

ARGV = ["calendar", "anlotinib-sts", "--start", "2022-01-03", "--cycles", "2"]


def test_second_run_refuses_without_force(run, tmp_path: Path) -> None:
    out = tmp_path / "out.ics"
    first = run(*ARGV, "-o", str(out), "--format", "ics", "--generated-at", "2022-01-01T00:00:00Z")
    assert first.exit_code == 0
    before = out.read_bytes()
    line = one_error_line(run(*ARGV, "-o", str(out), "--format", "ics"))
    assert line == f"error: --output {out}: already exists; use --force to replace it"
    assert out.read_bytes() == before


def test_exception_in_exporter_leaves_no_file(run, tmp_path: Path, monkeypatch) -> None:
    from regimen.export import ics

    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError("simulated crash mid-export")

    monkeypatch.setattr(ics, "render", boom)
    out = tmp_path / "out.ics"
    r = run(*ARGV, "-o", str(out), "--format", "ics")
    assert r.exit_code == 3
    assert "internal error" in r.stderr
    assert "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_crash_while_writing_keeps_old_file_and_leaves_no_temp(
    run, tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "out.txt"
    out.write_text("the user's good file", encoding="utf-8")
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        real_fsync(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    line = one_error_line(run(*ARGV, "-o", str(out), "--force"))
    assert line == f"error: --output {out}: No space left on device"
    assert out.read_text(encoding="utf-8") == "the user's good file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_folder(run, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        line = one_error_line(run(*ARGV, "-o", str(folder / "out.txt")))
        assert line == f"error: --output {folder / 'out.txt'}: permission denied"
    finally:
        folder.chmod(0o700)


def test_read_only_folder_as_root_too(run, tmp_path: Path, monkeypatch) -> None:
    # root ignores permission bits, so simulate the kernel's answer for a read-only folder
    import tempfile

    def denied(*args: object, **kwargs: object) -> object:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    out = tmp_path / "out.txt"
    line = one_error_line(run(*ARGV, "-o", str(out)))
    assert line == f"error: --output {out}: permission denied"
    assert not out.exists()


def test_missing_folder_and_directory_target(run, tmp_path: Path) -> None:
    line = one_error_line(run(*ARGV, "-o", str(tmp_path / "nope" / "out.txt")))
    assert line.endswith("does not exist")
    line = one_error_line(run(*ARGV, "-o", str(tmp_path)))
    assert line == f"error: --output {tmp_path}: is a directory"


def test_acceptance_second_run_without_force(run, tmp_path: Path, monkeypatch) -> None:
    # the exact command: an open-ended regimen with no --cycles (6 cycles by default)
    monkeypatch.chdir(tmp_path)
    argv = [
        "calendar",
        "anlotinib-sts",
        "--start",
        "2022-01-03",
        "-o",
        "out.ics",
        "--format",
        "ics",
    ]
    assert run(*argv).exit_code == 0
    first = (tmp_path / "out.ics").read_bytes()
    assert first.count(b"BEGIN:VEVENT") == 6 * 14
    line = one_error_line(run(*argv))
    assert line == "error: --output out.ics: already exists; use --force to replace it"
    assert (tmp_path / "out.ics").read_bytes() == first


# ---------------------------------------------------------------------------------------------
# regressions: -o replaces only a regular file; names no file system can hold; permissions


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_regression_output_never_replaces_a_device_or_fifo(run, tmp_path: Path, force) -> None:
    # A device is reached through a symbolic link, so that even a writer with this bug would
    # replace the link and never the machine's /dev/null.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "null-link"
    link.symlink_to(os.devnull)
    for target, kind in ((fifo, "a pipe"), (link, "a device")):
        line = one_error_line(run(*ARGV, "-o", str(target), *force))
        assert line == (
            f"error: --output {target}: is not a regular file ({kind}); refusing to replace it"
        )
    assert fifo.is_fifo() and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "null-link"]


def test_force_replaces_a_symlink_not_its_target(run, tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("keep me", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert run(*ARGV, "-o", str(link), "--force").exit_code == 0
    assert target.read_text(encoding="utf-8") == "keep me"
    assert not link.is_symlink() and "cycle 1" in link.read_text(encoding="utf-8")


def test_regression_output_name_too_long(run, tmp_path: Path) -> None:
    out = tmp_path / ("o" * 256)
    line = one_error_line(run(*ARGV, "-o", str(out)))
    assert line == f"error: --output {out}: file name too long (256 bytes in one name; at most 255)"
    # 255 bytes is a legal name: the temporary file's name must fit too
    ok = tmp_path / ("é" * 127 + "x")  # 255 bytes of UTF-8
    assert run(*ARGV, "-o", str(ok)).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [ok.name]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o007, 0o660)])
def test_output_file_mode_is_0666_less_the_umask(run, tmp_path: Path, umask, mode) -> None:
    # documented in `calendar --help` and `batch --help`: like a shell redirection
    from regimen import app

    monkey_umask = os.umask(umask)
    app._UMASK.clear()
    try:
        out = tmp_path / "plan.txt"
        assert run(*ARGV, "-o", str(out)).exit_code == 0
        assert out.stat().st_mode & 0o777 == mode
        cohort = tmp_path / "c.csv"
        cohort.write_text("patient,regimen,start\nP1,anlotinib-sts,2022-01-03\n", encoding="utf-8")
        r = run("batch", str(cohort), "--output-dir", str(tmp_path / "b"), "--format", "json")
        assert r.exit_code == 0
        for name in ("P1.json", "summary.csv"):
            assert (tmp_path / "b" / name).stat().st_mode & 0o777 == mode
    finally:
        os.umask(monkey_umask)
        app._UMASK.clear()


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_interrupt_while_writing_leaves_no_temporary_file(
    run, tmp_path: Path, monkeypatch, stop: type[BaseException]
) -> None:
    from regimen import app

    real_fsync = os.fsync

    def interrupted(fd: int) -> None:
        real_fsync(fd)
        raise stop()

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(stop):
        app.write_file(tmp_path / "out.txt", "text", replace=False, where="out.txt")
    assert list(tmp_path.iterdir()) == []
