"""CLI acceptance of the radiotherapy arithmetic (issue: foundation).

The seed figures come from Li Z, Yu X, Xu M. Radiotherapy combined with anlotinib for refractory
leiomyosarcoma. Front Oncol 2025;15:1490941: IMRT 400 cGy x 10 plus a stereotactic boost
700 cGy x 3, cumulative 6100 cGy. BED/EQD2 are the LQ arithmetic of that schedule
(Fowler, Br J Radiol 1989;62:679): BED10 = 10*4*(1+4/10) + 3*7*(1+7/10) = 56 + 35.7 = 91.7 Gy.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import one_error_line


def test_bed_json_seed_schedule(run) -> None:
    r = run(
        "bed",
        "10x400cGy + 3x700cGy",
        "--alpha-beta",
        "10Gy",
        "--alpha-beta",
        "3Gy",
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["total_dose"] == {"value": 61, "unit": "Gy"}
    by_ab = {res["alpha_beta"]["value"]: res for res in data["results"]}
    assert by_ab[10]["bed"]["value"] == pytest.approx(91.7, abs=1e-4)
    assert by_ab[3]["bed"]["value"] == pytest.approx(163.3333, abs=1e-4)
    assert by_ab[10]["eqd2"]["value"] == pytest.approx(76.4167, abs=1e-4)
    assert by_ab[3]["eqd2"]["value"] == pytest.approx(98.0, abs=1e-4)
    assert [p["fractions"] for p in data["phases"]] == [10, 3]


def test_bed_text_shows_each_phase_arithmetic(run) -> None:
    r = run("bed", "10x400cGy + 3x700cGy", "--alpha-beta", "10Gy")
    assert r.exit_code == 0
    out = r.stdout
    assert "10 x 4 Gy x (1 + 4 Gy / 10 Gy) = 56 Gy" in out
    assert "3 x 7 Gy x (1 + 7 Gy / 10 Gy) = 35.7 Gy" in out
    assert "BED = 56 Gy + 35.7 Gy = 91.7 Gy" in out
    assert "= 76.42 Gy" in out
    # plain LQ above 6 Gy per fraction is flagged in human output
    assert "Warning:" in out and "700 cGy per fraction" in out


def test_reference_dose_cgy_equals_gy(run) -> None:
    a = run(
        "bed",
        "50.4 Gy/28",
        "--alpha-beta",
        "10Gy",
        "--reference-dose",
        "200cGy",
        "--format",
        "json",
    )
    b = run(
        "bed", "50.4 Gy/28", "--alpha-beta", "10Gy", "--reference-dose", "2Gy", "--format", "json"
    )
    da, db = json.loads(a.stdout), json.loads(b.stdout)
    assert da["results"][0]["eqd"]["dose"] == db["results"][0]["eqd"]["dose"]
    assert da["results"] == db["results"]


def test_isoeffect_fractions(run) -> None:
    # 30 x 2 Gy at a/b 3: BED = 60*(1+2/3) = 100 Gy; at 3 Gy/fraction n = 100/(3*2) = 16.67
    r = run(
        "isoeffect",
        "30x2Gy",
        "--dose-per-fraction",
        "3Gy",
        "--alpha-beta",
        "3Gy",
        "--format",
        "json",
    )
    data = json.loads(r.stdout)
    assert data["fractions_exact"] == pytest.approx(16.67, abs=0.01)
    assert data["fractions"] == 17
    assert data["rounding"] == "up"


def test_isoeffect_dose_per_fraction(run) -> None:
    # 30 x 2 Gy at a/b 10: BED 72 Gy; in 25 fractions d = 5*(sqrt(1+4*72/250)-1) = 2.3348 Gy
    r = run("isoeffect", "30x2Gy", "--fractions", "25", "--alpha-beta", "10Gy", "--format", "json")
    data = json.loads(r.stdout)
    assert data["dose_per_fraction"]["value"] == pytest.approx(2.3348, abs=1e-4)
    assert data["fractions"] == 25


def test_time_correction_only_when_asked(run) -> None:
    plain = json.loads(run("bed", "35x2Gy", "--alpha-beta", "10Gy", "--format", "json").stdout)
    assert "time_corrected_bed" not in plain["results"][0]
    assert plain["results"][0]["tissue"] == "other"
    # The repopulation correction is for a tumour: it needs --tumour-alpha-beta.
    r = run(
        "bed",
        "35x2Gy",
        "--tumour-alpha-beta",
        "10Gy",
        "--overall-time",
        "46d",
        "--kickoff",
        "28d",
        "--dprolif",
        "0.6Gy/d",
        "--format",
        "json",
    )
    data = json.loads(r.stdout)
    # K = 0.6 * (1 + 2/10) = 0.72 Gy/d; BED 84 - 0.72 * 18 = 71.04 Gy; EQD2 71.04 / 1.2 = 59.2 Gy
    (result,) = data["results"]
    assert result["tissue"] == "tumour"
    assert result["k"]["value"] == pytest.approx(0.72)
    assert result["time_corrected_bed"]["value"] == pytest.approx(71.04)
    assert result["time_corrected_eqd2"]["value"] == pytest.approx(59.2)


def test_lq_l_is_reported_as_its_own_model(run) -> None:
    r = run(
        "bed",
        "3x20Gy",
        "--alpha-beta",
        "10Gy",
        "--model",
        "lq-l",
        "--transition-dose",
        "6Gy",
        "--format",
        "json",
    )
    data = json.loads(r.stdout)
    assert data["model"] == "lq-l"
    # Astrahan 2008 LQ-L: per fraction 6*(1+0.6) + (1+1.2)*(20-6) = 9.6 + 30.8 = 40.4 Gy
    assert data["results"][0]["bed"]["value"] == pytest.approx(3 * 40.4)
    text = run(
        "bed", "3x20Gy", "--alpha-beta", "10Gy", "--model", "lq-l", "--transition-dose", "6Gy"
    ).stdout
    assert "LQ-L" in text and "Warning" not in text


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["bed", "10x400mg"],
            "error: expression: '400mg' is a drug amount; an absorbed dose "
            "needs Gy or cGy (in '10x400mg')",
        ),
        (
            ["bed", "2.5x2Gy"],
            "error: expression: the number of fractions must be a whole "
            "number, got '2.5' in '2.5x2Gy'",
        ),
        (
            ["bed", "10x2Gy", "--alpha-beta", "0Gy"],
            "error: --alpha-beta: must be greater than zero, got '0Gy'",
        ),
        (
            ["bed", "10x2Gy", "--alpha-beta", "-3Gy"],
            "error: --alpha-beta: must be greater than zero, got '-3Gy'",
        ),
        (
            ["bed", "10x2Gy", "--alpha-beta", "3"],
            "error: --alpha-beta: needs a unit (Gy or cGy), got '3'",
        ),
        (
            # the repopulation correction is for tumour alpha/beta only
            [
                "bed",
                "10x2Gy",
                "--alpha-beta",
                "10Gy",
                "--overall-time",
                "39d",
                "--kickoff",
                "28d",
                "--k",
                "0.9Gy/d",
            ],
            "error: --k: the repopulation correction applies only to a tumour: give its "
            "alpha/beta with --tumour-alpha-beta",
        ),
        (
            ["bed", "10x2Sv"],
            "error: expression: Sv is an equivalent dose (radiation protection), "
            "not an absorbed dose; use Gy or cGy (in '10x2Sv')",
        ),
        (
            ["show", "no-such-regimen"],
            "error: no-such-regimen: no bundled regimen or file of that name; "
            "bundled regimens: anlotinib-pembrolizumab, anlotinib-sts, doxorubicin, everolimus, "
            "gemcitabine-docetaxel, lms-rt-anlotinib, pazopanib, pelvic-postop-rt",
        ),
    ],
)
def test_bad_input_one_line_exit_2(run, argv: list[str], expected: str) -> None:
    assert one_error_line(run(*argv)) == expected


def test_version_and_help(run) -> None:
    assert run("--version").stdout.startswith("regimen ")
    assert "Usage" in run("--help").stdout


def test_dose_json_radiotherapy(run) -> None:
    data = json.loads(run("dose", "lms-rt-anlotinib", "--format", "json").stdout)
    assert data["regimen"] == "lms-rt-anlotinib"
    assert data["radiotherapy"]["total_dose"] == {"value": 61, "unit": "Gy"}


def test_time_correction_text_when_t_is_within_kickoff(run) -> None:
    # 30 x 2 Gy at a/b 10: BED = 60 * 1.2 = 72 Gy; T = 20 d <= T_k = 28 d, so nothing is lost
    out = run(
        "bed",
        "30x2Gy",
        "--tumour-alpha-beta",
        "10Gy",
        "--overall-time",
        "20d",
        "--kickoff",
        "28d",
        "--k",
        "0.9Gy/d",
    ).stdout
    assert "Time-corrected BED = BED = 72 Gy: T = 20 d is not beyond T_k = 28 d" in out
    # T = 39 d: 72 - 0.72 * 11 = 64.08 Gy, with K from Dprolif 0.6 Gy/d (K = 0.6 * 1.2)
    out = run(
        "bed",
        "30x2Gy",
        "--tumour-alpha-beta",
        "10Gy",
        "--overall-time",
        "39d",
        "--kickoff",
        "28d",
        "--dprolif",
        "0.6Gy/d",
    ).stdout
    assert "= 72 Gy - 0.72 Gy/d x (39 d - 28 d) = 64.08 Gy" in out
