"""regimen.presets, ``regimen presets``, and --tissue / --late-tissue / incomplete repair on
``bed`` and ``dose``.

Every expected parameter value is the published one, with its source beside it; every
expected BED or EQD2 is worked by hand from the published formula and parameters:

[Withers1988]  Withers HR, Taylor JMG, Maciejewski B. Acta Oncol 1988;27(2):131-146 (abstract):
               repopulation in head and neck SCC after a lag of 4 +/- 1 weeks; about 0.6 Gy a
               day (in 2-Gy fractions, a Dprolif) compensates for it.
[Miralbell2012] Int J Radiat Oncol Biol Phys 2012;82(1):e17-e24, title: prostate
               alpha/beta = 1.4 (0.9-2.2) Gy.
[Suwinski2007] Int J Radiat Oncol Biol Phys 2007;69(3):793-799 (abstract): rectal cancer
               alpha/beta 5.06 Gy (95% CI -0.1 to 10.3).
[Thames1990]   Radiother Oncol 1990;19(3):219-235 (abstract): early skin alpha/beta 7 to 11 Gy,
               late 2 to 4 Gy; early skin repair half-time about 1 h; liposarcoma alpha/beta
               0.4 (-1.4, 5.4) Gy.
[QUANTEC]      Kirkpatrick JP et al. Int J Radiat Oncol Biol Phys 2010;76(3 Suppl):S42-S49
               (abstract): spinal cord alpha/beta = 0.87 Gy.
[Fowler1989]   BED = n d (1 + d/(a/b)); BED_T = BED - K (T - T_k).
[Joiner]       K = Dprolif (1 + 2/(a/b)), so EQD2_T = EQD2 - Dprolif (T - T_k).
[Thames1985]   H_m as in tests/test_radiobiology.py; H_2 = theta = 2^-(dt / T1/2).
[Issue13]      A 35-fraction course from Monday 2026-10-05 on weekdays ends 2026-11-20, T = 46 d
               (elapsed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from regimen import presets
from regimen.cli import cli
from regimen.errors import InputError, LoadError
from regimen.units import magnitude


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), prog_name="regimen", catch_exceptions=False)


def mag(value: presets.Value) -> float:
    return float(value.quantity.magnitude)


def approx(x: float) -> Any:
    return pytest.approx(x, rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# the bundled file: every issue-13 tissue, every published value


def test_every_tissue_the_issue_names_is_there_with_its_kind():
    found = presets.bundled()
    expected = {
        "hnscc": "tumour",
        "nsclc": "tumour",
        "prostate": "tumour",
        "breast": "tumour",
        "cervix": "tumour",
        "rectum": "tumour",
        "sts": "tumour",
        "spinal-cord": "late",
        "skin-acute": "early",
        "skin-late": "late",
        "rectum-late": "late",
        "bladder-late": "late",
    }
    assert {name: p.kind for name, p in found.items()} == expected


@pytest.mark.parametrize(
    ("name", "param", "value", "unit", "interval", "origin", "confirmed"),
    [
        ("hnscc", "dprolif", 0.6, "Gy/d", None, "primary", True),  # [Withers1988] 0.6 Gy/day
        ("hnscc", "kickoff", 28, "d", (21, 35), "primary", True),  # [Withers1988] 4 +/- 1 wk
        ("prostate", "alpha_beta", 1.4, "Gy", (0.9, 2.2), "primary", True),  # [Miralbell2012]
        ("rectum", "alpha_beta", 5.06, "Gy", (-0.1, 10.3), "primary", True),  # [Suwinski2007]
        ("sts", "alpha_beta", 0.4, "Gy", (-1.4, 5.4), "primary", True),  # [Thames1990]
        ("spinal-cord", "alpha_beta", 0.87, "Gy", None, "secondary", True),  # [QUANTEC]
        ("skin-acute", "alpha_beta", 10, "Gy", (7, 11), "secondary", False),  # [Thames1990]
        ("skin-acute", "repair_half_time", 1, "h", None, "secondary", True),  # [Thames1990]
        ("skin-late", "alpha_beta", 3, "Gy", (2, 4), "secondary", False),  # [Thames1990]
    ],
)
def test_published_values(name, param, value, unit, interval, origin, confirmed):
    v = getattr(presets.get(name), param)
    assert magnitude(v.quantity, unit) == approx(value)
    assert v.interval == (None if interval is None else pytest.approx(interval))
    assert (v.origin, v.confirmed) == (origin, confirmed)


def test_a_rate_is_dprolif_or_k_never_both_and_only_tumours_have_one():
    for p in presets.bundled().values():
        assert p.dprolif is None or p.k is None
        if p.kind != "tumour":
            assert p.dprolif is p.k is p.kickoff is None


def test_unconfirmed_values_say_so_in_their_citation():
    assert presets.get("hnscc").alpha_beta.cite() == "Thames 1990 [secondary], unconfirmed"
    assert presets.get("hnscc").dprolif.cite() == "Withers 1988 [primary]"  # type: ignore[union-attr]


def test_the_bundled_file_ships_in_the_package_data():
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"regimen.data" = ["*.csv", "*.toml", "*.md"]' in text


# ---------------------------------------------------------------------------------------------
# strict reading


GOOD = """
[sources.a]
kind = "paper"
title = "A 2000"
citation = "A. 2000."

[presets.t]
title = "T"
kind = "tumour"
alpha_beta = { value = "10 Gy", source = "a", origin = "primary", confirmed = true }
"""


def test_a_minimal_file_reads():
    p = presets.parse_presets(GOOD, "x.toml")["t"]
    assert (p.name, p.kind, mag(p.alpha_beta)) == ("t", "tumour", 10)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('value = "10 Gy"', "value = 10"),
            "presets.t.alpha_beta.value: needs a unit (Gy or cGy), got the bare number 10",
        ),
        (('source = "a"', 'source = "b"'), "presets.t.alpha_beta.source: unknown source 'b'"),
        (
            ('origin = "primary"', 'origin = "tertiary"'),
            "presets.t.alpha_beta.origin: must be one of 'primary', 'secondary'",
        ),
        (('kind = "tumour"', 'kind = "tumor"'), "presets.t.kind: must be one of"),
        (
            ("confirmed = true }", 'confirmed = true, interval = "11 to 12 Gy" }'),
            "presets.t.alpha_beta.interval_kind: an interval and its kind go together",
        ),
        (
            (
                "confirmed = true }",
                'confirmed = true }\ndprolif = { value = "0.6 Gy/d", '
                'source = "a", origin = "primary", confirmed = true }',
            ),
            "presets.t.kickoff: a repopulation rate and its kick-off time go together",
        ),
        (('title = "T"', 'title = "T"\ncolour = "red"'), "presets.t.colour: unknown key"),
    ],
)
def test_strict_reading_reports_where(change, message):
    with pytest.raises(LoadError) as err:
        presets.parse_presets(GOOD.replace(*change), "x.toml")
    assert message in str(err.value)
    assert str(err.value).startswith("x.toml: ")


def test_a_value_outside_its_interval_is_refused():
    text = GOOD.replace(
        "confirmed = true }",
        'confirmed = true, interval = "11 to 12 Gy", interval_kind = "95% CI" }',
    )
    with pytest.raises(LoadError) as err:
        presets.parse_presets(text, "x.toml")
    assert "the value lies outside its interval 11 to 12 Gy" in str(err.value)


def test_regression_unknown_preset_is_one_line_listing_the_names():
    with pytest.raises(InputError) as err:
        presets.get("hnsc", "--tissue")
    assert str(err.value) == (
        "--tissue: unknown preset 'hnsc'; presets: bladder-late, breast, cervix, hnscc, nsclc, "
        "prostate, rectum, rectum-late, skin-acute, skin-late, spinal-cord, sts"
    )


def test_a_preset_of_the_wrong_kind_is_refused():
    with pytest.raises(InputError) as err:
        presets.get("skin-acute", "--late-tissue", "late")
    assert str(err.value).startswith("--late-tissue: skin-acute is an early preset; --late-tissue")


# ---------------------------------------------------------------------------------------------
# resolving: a given option overrides the preset's value, and says so


def test_given_options_override_the_preset_and_keep_their_origin():
    got = presets.resolve("hnscc", "rectum-late", k="K", repair_half_time="T")
    assert got.dprolif is None and got.k == "K" and got.rate_origin.text() == "given"
    assert got.kickoff_origin.text() == "preset hnscc: Withers 1988 [primary]"
    assert got.half_time_origin.text() == "given"
    assert [o.preset for o in got.tumour_origins + got.other_origins] == ["hnscc", "rectum-late"]
    explicit = presets.resolve("hnscc", None, tumour_alpha_betas=("AB",))
    assert explicit.tumour_alpha_betas == ("AB",)
    assert explicit.tumour_origins[0].text() == "given"


# ---------------------------------------------------------------------------------------------
# bed with presets: time-corrected EQD2 from Withers's values [Issue13] [Withers1988] [Joiner]


def _json(*args: str) -> dict[str, Any]:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.mark.parametrize(
    ("expr", "overall", "bed_t", "eqd2_t"),
    [
        # 35 x 2 Gy, T = 46 d: EQD2_T = 70 - 0.6 x (46 - 28) = 59.2 Gy; BED_T = 84 - 0.72 x 18.
        ("35x2Gy", "46d", 71.04, 59.2),
        # The same course with the week 2026-11-02..06 missed, T = 53 d: 70 - 0.6 x 25 = 55 Gy.
        ("35x2Gy", "53d", 66.0, 55.0),
        # T not beyond T_k (20 x 2 Gy over 26 d): no correction, EQD2 40 Gy.
        ("20x2Gy", "26d", 48.0, 40.0),
        # 33 x 2.12 Gy (69.96 Gy) over 45 d: BED 69.96 x 1.212 = 84.79152, minus 0.72 x 17
        # = 72.55152 Gy; EQD2_T = 72.55152 / 1.2 = 60.4596 Gy.
        ("33x2.12Gy", "45d", 72.55152, 60.4596),
    ],
)
def test_time_corrected_eqd2_with_the_hnscc_preset(expr, overall, bed_t, eqd2_t):
    data = _json("bed", expr, "--tissue", "hnscc", "--overall-time", overall)
    (r,) = data["results"]
    assert r["tissue"] == "tumour"
    assert r["preset"] == {
        "name": "hnscc",
        "source": "Thames 1990",
        "origin": "secondary",
        "confirmed": False,
    }
    assert r["time_corrected_bed"]["value"] == approx(bed_t)
    assert r["time_corrected_eqd2"]["value"] == approx(eqd2_t)
    assert data["repopulation_rate"]["name"] == "dprolif"
    assert data["repopulation_rate"]["rate"] == {"value": 0.6, "unit": "Gy/d"}
    assert data["kickoff_preset"]["source"] == "Withers 1988"


def test_text_says_where_each_value_came_from():
    out = run("bed", "35x2Gy", "--tissue", "hnscc", "--k", "0.9Gy/d", "--overall-time", "46d")
    assert out.exit_code == 0
    assert "α/β = 10 Gy (tumour; preset hnscc: Thames 1990 [secondary], unconfirmed)" in out.stdout
    # [Fowler1989]: 84 - 0.9 x (46 - 28) = 67.8 Gy with the given K.
    assert "= 84 Gy - 0.9 Gy/d x (46 d - 28 d) = 67.8 Gy (K 0.9 Gy/d, given)" in out.stdout
    assert "T_k 28 d, preset hnscc: Withers 1988 [primary]" in out.stdout


def test_a_preset_without_a_rate_cannot_time_correct():
    out = run("bed", "30x2Gy", "--tissue", "prostate", "--overall-time", "40d")
    assert out.exit_code == 2
    assert out.stderr == (
        "error: --overall-time: the time correction needs --overall-time, --kickoff and one of "
        "--k or --dprolif (preset prostate gives none)\n"
    )


# ---------------------------------------------------------------------------------------------
# incomplete repair on bed [Thames1985]


def test_twice_daily_late_bed_includes_h_and_tumour_bed_is_shown_both_ways():
    data = _json(
        "bed", "70Gy/35", "--tissue", "hnscc", "--late-tissue", "rectum-late",
        "--fractions-per-day", "2", "--interval", "6h",
    )  # fmt: skip
    assert data["incomplete_repair"]["h"] == 0.0625  # 2 x 6 h / 1.5 h [Thames1985]
    assert data["incomplete_repair"]["repair_half_time"] == {"value": 1.5, "unit": "h"}
    assert data["incomplete_repair"]["repair_half_time_preset"]["name"] == "rectum-late"
    tumour, late = data["results"]
    # Tumour: BED without H (84 Gy) primary; with H: 70 x (1 + 2 x 1.0625 / 10) = 84.875 Gy.
    assert tumour["bed"]["value"] == approx(84)
    assert tumour["incomplete_repair_applied"] is False
    assert tumour["with_incomplete_repair"]["bed"]["value"] == approx(84.875)
    # Late (a/b 3): 70 x (1 + 2 x 1.0625 / 3) = 119.583333 Gy; EQD2 71.75 Gy.
    assert late["bed"]["value"] == approx(70 * (1 + 2 * 1.0625 / 3))
    assert late["eqd2"]["value"] == approx(71.75)
    assert late["incomplete_repair_applied"] is True


def test_twice_daily_text_shows_the_formula_with_its_numbers():
    out = run(
        "bed", "35x2Gy", "--alpha-beta", "3Gy", "--fractions-per-day", "2",
        "--interval", "6h", "--repair-half-time", "1.5h",
    )  # fmt: skip
    assert out.exit_code == 0
    assert "theta = exp(-ln 2 x dt / T1/2) = exp(-ln 2 x 6 h / 1.5 h) = 0.0625" in out.stdout
    assert "35 x 2 Gy x (1 + 2 Gy x (1 + 0.0625) / 3 Gy) = 119.58 Gy" in out.stdout
    assert "Warning: 6 h between fractions is less than 8 h" in out.stdout


def test_eight_hours_apart_is_not_warned():
    out = run(
        "bed", "35x2Gy", "--alpha-beta", "3Gy", "--fractions-per-day", "2",
        "--interval", "8h", "--repair-half-time", "2h",
    )  # fmt: skip
    assert out.exit_code == 0 and "Warning" not in out.stdout
    assert "= 0.0625" in out.stdout  # 8 h / 2 h is 4 half-times again [Thames1985]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ("--tissue", "nope"),
            "error: --tissue: unknown preset 'nope'; presets: bladder-late, breast, cervix, "
            "hnscc, nsclc, prostate, rectum, rectum-late, skin-acute, skin-late, spinal-cord, sts",
        ),
        (
            ("--fractions-per-day", "2", "--interval", "4h", "--repair-half-time", "1.5h"),
            "error: --interval: 4 h between fractions is too short: at least 6 h is needed for "
            "repair",
        ),
        (
            ("--fractions-per-day", "2", "--interval", "6h"),
            "error: --repair-half-time: 2 fractions a day need the late tissue's repair "
            "half-time: give --repair-half-time (e.g. 1.5h) or --late-tissue NAME with one",
        ),
        (
            ("--fractions-per-day", "2", "--repair-half-time", "1.5h"),
            "error: --interval: 2 fractions a day need the time between them (e.g. 6h)",
        ),
        (
            ("--fractions-per-day", "2", "--interval", "6h", "--late-tissue", "spinal-cord"),
            "error: --repair-half-time: preset spinal-cord has no repair half-time: give "
            "--repair-half-time",
        ),
        (("--interval", "6h"), "error: --interval: only applies with --fractions-per-day 2 or 3"),
        (
            ("--fractions-per-day", "2", "--interval", "6 hours", "--repair-half-time", "1h"),
            "error: --interval: write hours as 'h' (e.g. '6 h')",
        ),
    ],
)
def test_bed_errors_are_one_line_exit_2(args, error):
    out = run("bed", "30x2Gy", *args)
    assert out.exit_code == 2
    assert out.stderr.splitlines() == [error]
    assert out.stdout == ""


# ---------------------------------------------------------------------------------------------
# dose and the presets commands


def test_dose_with_a_tissue_preset_corrects_for_time_from_the_calendar():
    # [Li2025] schedule laid from Monday 2026-10-05: 13 weekday fractions end 2026-10-21, T = 16 d
    # (elapsed), not beyond T_k = 28 d [Withers1988]: the time-corrected BED equals the BED.
    data = _json("dose", "lms-rt-anlotinib", "--tissue", "hnscc", "--start", "2026-10-05")
    (r,) = data["radiotherapy"]["results"]
    assert r["preset"]["name"] == "hnscc"
    assert r["time_corrected_bed"] == r["bed"]


def test_presets_list_and_show():
    out = run("presets", "list")
    assert out.exit_code == 0
    assert "prostate (tumour): Prostate adenocarcinoma; alpha/beta 1.4 Gy" in out.stdout
    out = run("presets", "show", "prostate")
    assert "alpha/beta: 1.4 Gy (95% CI 0.9 to 2.2 Gy): Miralbell 2012 [primary]" in out.stdout
    data = json.loads(run("presets", "show", "rectum", "--format", "json").stdout)
    assert data["alpha_beta"]["interval"]["low"] == {"value": -0.1, "unit": "Gy"}
    listed = json.loads(run("presets", "list", "--format", "json").stdout)
    assert len(listed["presets"]) == 12
    bad = run("presets", "show", "nope")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: presets show: unknown preset")
