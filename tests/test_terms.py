"""regimen.terms: CTCAE v5.0 terms, synonyms and term groups; old forms still resolve."""

from __future__ import annotations

import csv
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from regimen import terms
from regimen.terms import (
    ANY,
    Resolved,
    RuleTarget,
    canonical_term,
    closest,
    ctcae_terms,
    groups,
    resolve,
    rule_target,
)

DATA = Path(terms.__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]
BLEEDING = "bleeding (site not given)"
GI_PERFORATION = "gastrointestinal perforation (site not given)"


def _toml(name: str) -> dict[str, object]:
    with (DATA / name).open("rb") as f:
        return tomllib.load(f)


# --- the shipped CSV ----------------------------------------------------------------------


def test_csv_has_all_837_terms() -> None:
    assert len(ctcae_terms()) == 837
    with (DATA / "ctcae-v5.0.csv").open(encoding="utf-8", newline="") as f:
        names = [row["term"] for row in csv.DictReader(f)]
    assert sorted(names) == sorted(ctcae_terms())


@pytest.mark.parametrize(
    ("name", "grades"),
    [
        ("Alopecia", {1, 2}),
        ("Fatigue", {1, 2, 3}),
        ("Palmar-plantar erythrodysesthesia syndrome", {1, 2, 3}),
        ("Epistaxis", {1, 2, 3, 4, 5}),
        ("Disseminated intravascular coagulation", {2, 3, 4, 5}),
        ("Syncope", {3}),
    ],
)
def test_grades_come_from_the_csv(name: str, grades: set[int]) -> None:
    assert ctcae_terms()[name].grades == frozenset(grades)


def test_term_fields() -> None:
    epistaxis = ctcae_terms()["Epistaxis"]
    assert epistaxis.meddra_code == "10015090"
    assert epistaxis.soc == "Respiratory, thoracic and mediastinal disorders"
    assert _event("nose bleed").meddra_code == "10015090"


def test_importing_the_module_reads_no_data() -> None:
    probe = (
        "import regimen.terms as t; "
        "print(t._load_terms.cache_info().currsize, t._load_groups.cache_info().currsize, "
        "t._lookup.cache_info().currsize)"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and a fixed probe
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", "0", "0"]


# --- the synonym and group tables ---------------------------------------------------------


def test_every_synonym_targets_a_csv_term() -> None:
    synonyms = _toml("ae_synonyms.toml")["synonyms"]
    assert isinstance(synonyms, dict)
    missing = {form: name for form, name in synonyms.items() if name not in ctcae_terms()}
    assert missing == {}


def test_every_unspecific_word_targets_a_group() -> None:
    unspecific = _toml("ae_synonyms.toml")["unspecific"]
    assert isinstance(unspecific, dict)
    assert set(unspecific.values()) <= set(groups())
    for form in unspecific:
        event = resolve(form)
        assert event is not None and event.term is None, form


def test_no_synonym_shadows_a_csv_term_with_another_meaning() -> None:
    synonyms = _toml("ae_synonyms.toml")["synonyms"]
    assert isinstance(synonyms, dict)
    by_norm = {terms._norm(name): name for name in ctcae_terms()}
    for form, name in synonyms.items():
        assert by_norm.get(terms._norm(form), name) == name, form


def test_every_group_member_and_exclusion_is_a_csv_term() -> None:
    raw = _toml("term_groups.toml")["groups"]
    assert isinstance(raw, dict)
    assert set(raw) == {"bleeding", "gastrointestinal perforation"}
    for name, body in raw.items():
        members, excluded = body["members"], body["excluded"]
        assert set(members) <= set(ctcae_terms()), name
        assert set(excluded) <= set(ctcae_terms()), name
        assert not set(members) & set(excluded), name
        assert all(reason.strip() for reason in (*members.values(), *excluded.values()))
        assert "CTCAE v5.0" in body["source"] and "maintainers" in body["source"]
        assert body["description"].strip()


def test_groups_api_matches_the_file() -> None:
    bleeding = groups()["bleeding"]
    assert bleeding.name == "bleeding"
    assert "Epistaxis" in bleeding.members
    assert "bleeding from the nose" in bleeding.members["Epistaxis"]
    assert "Hemorrhoids" in bleeding.excluded


@pytest.mark.parametrize(
    "name",
    [
        "Epistaxis",
        "Hematuria",
        "Bruising",
        "Hematoma",
        "Purpura",
        "Esophageal varices hemorrhage",
        "Intraoperative hemorrhage",
        "Postoperative hemorrhage",
        "Tumor hemorrhage",
        "Intracranial hemorrhage",
        "Intestinal stoma site bleeding",
        "Tracheostomy site bleeding",
        "Urostomy site bleeding",
        "Upper gastrointestinal hemorrhage",
        "Lower gastrointestinal hemorrhage",
        "Bronchopulmonary hemorrhage",
        "Vitreous hemorrhage",
    ],
)
def test_bleeding_members(name: str) -> None:
    assert name in groups()["bleeding"].members


def test_every_hemorrhage_term_is_a_bleeding_member() -> None:
    hemorrhage = {n for n in ctcae_terms() if n.endswith((" hemorrhage", " site bleeding"))}
    assert len(hemorrhage) == 39
    assert hemorrhage <= set(groups()["bleeding"].members)


@pytest.mark.parametrize(
    "name",
    [
        "Hemorrhoids",
        "Thrombotic thrombocytopenic purpura",
        "Disseminated intravascular coagulation",
        "Platelet count decreased",
        "Hemoglobinuria",
        "Anemia",
    ],
)
def test_not_bleeding(name: str) -> None:
    bleeding = groups()["bleeding"]
    assert name not in bleeding.members
    assert name in bleeding.excluded
    event = resolve(name)
    assert event is not None and "bleeding" not in event.groups


def test_gastrointestinal_perforation_members() -> None:
    assert set(groups()["gastrointestinal perforation"].members) == {
        "Colonic perforation",
        "Duodenal perforation",
        "Esophageal perforation",
        "Gastric perforation",
        "Ileal perforation",
        "Jejunal perforation",
        "Rectal perforation",
        "Small intestinal perforation",
    }
    gi = {
        name
        for name, t in ctcae_terms().items()
        if t.soc == "Gastrointestinal disorders" and "perforation" in name.lower()
    }
    assert gi <= set(groups()["gastrointestinal perforation"].members)


# --- backward compatibility: every form the previous terms.py accepted --------------------

#: written form (copied from the previous terms.py) -> key it resolves to now
OLD_FORMS: dict[str, str] = {
    # "Palmar-plantar erythrodysesthesia syndrome" and its synonyms
    "Palmar-plantar erythrodysesthesia syndrome": "Palmar-plantar erythrodysesthesia syndrome",
    "hand-foot skin reaction": "Palmar-plantar erythrodysesthesia syndrome",
    "hand-foot syndrome": "Palmar-plantar erythrodysesthesia syndrome",
    "hand foot skin syndrome": "Palmar-plantar erythrodysesthesia syndrome",
    "hand-foot skin syndrome": "Palmar-plantar erythrodysesthesia syndrome",
    "HFSR": "Palmar-plantar erythrodysesthesia syndrome",
    "HFS": "Palmar-plantar erythrodysesthesia syndrome",
    "PPE": "Palmar-plantar erythrodysesthesia syndrome",
    # "Hemorrhage" (a group-like term of its own) and its synonyms
    "Hemorrhage": BLEEDING,
    "haemorrhage": BLEEDING,
    "bleeding": BLEEDING,
    "hemoptysis": "Bronchopulmonary hemorrhage",
    "haemoptysis": "Bronchopulmonary hemorrhage",
    "epistaxis": "Epistaxis",
    "bronchopulmonary hemorrhage": "Bronchopulmonary hemorrhage",
    "pulmonary hemorrhage": "Bronchopulmonary hemorrhage",
    "lung hemorrhage": "Bronchopulmonary hemorrhage",
    "gastrointestinal hemorrhage": BLEEDING,
    "gastric hemorrhage": "Gastric hemorrhage",
    "rectal hemorrhage": "Rectal hemorrhage",
    "hematuria": "Hematuria",
    "haematuria": "Hematuria",
    "intracranial hemorrhage": "Intracranial hemorrhage",
    "gum bleeding": "Oral hemorrhage",
    "gingival bleeding": "Oral hemorrhage",
    "Hypertension": "Hypertension",
    "high blood pressure": "Hypertension",
    "HTN": "Hypertension",
    # "Oral mucositis" (not a v5.0 term) and its synonyms
    "Oral mucositis": "Mucositis oral",
    "oral ulcer": "Mucositis oral",
    "oral ulcers": "Mucositis oral",
    "mouth ulcer": "Mucositis oral",
    "mouth ulcers": "Mucositis oral",
    "stomatitis": "Mucositis oral",
    "oral mucosal ulcer": "Mucositis oral",
    "oral mucosal ulcers": "Mucositis oral",
    "mucositis oral": "Mucositis oral",
    "Diarrhea": "Diarrhea",
    "diarrhoea": "Diarrhea",
    "Fatigue": "Fatigue",
    "tiredness": "Fatigue",
    "asthenia": "Fatigue",
    "Anorexia": "Anorexia",
    "loss of appetite": "Anorexia",
    "decreased appetite": "Anorexia",
    "Proteinuria": "Proteinuria",
    "Nausea": "Nausea",
    "Vomiting": "Vomiting",
    "Pain": "Pain",
    "Hypothyroidism": "Hypothyroidism",
    "Hyperthyroidism": "Hyperthyroidism",
    "Hypertriglyceridemia": "Hypertriglyceridemia",
    "hypertriglyceridaemia": "Hypertriglyceridemia",
    # "Hypercholesteremia" (not a v5.0 term) and its synonyms
    "Hypercholesteremia": "Cholesterol high",
    "hypercholesterolemia": "Cholesterol high",
    "hypercholesterolaemia": "Cholesterol high",
    "Alanine aminotransferase increased": "Alanine aminotransferase increased",
    "ALT increased": "Alanine aminotransferase increased",
    "raised ALT": "Alanine aminotransferase increased",
    "Aspartate aminotransferase increased": "Aspartate aminotransferase increased",
    "AST increased": "Aspartate aminotransferase increased",
    "raised AST": "Aspartate aminotransferase increased",
    "Blood bilirubin increased": "Blood bilirubin increased",
    "hyperbilirubinemia": "Blood bilirubin increased",
    "raised bilirubin": "Blood bilirubin increased",
    "Platelet count decreased": "Platelet count decreased",
    "thrombocytopenia": "Platelet count decreased",
    "Neutrophil count decreased": "Neutrophil count decreased",
    "neutropenia": "Neutrophil count decreased",
    "White blood cell decreased": "White blood cell decreased",
    "leukopenia": "White blood cell decreased",
    "leucopenia": "White blood cell decreased",
    "Anemia": "Anemia",
    "anaemia": "Anemia",
    "Dermatitis radiation": "Dermatitis radiation",
    "radiation dermatitis": "Dermatitis radiation",
    "radiation-induced dermatitis": "Dermatitis radiation",
    "radiation skin reaction": "Dermatitis radiation",
    "Skin ulceration": "Skin ulceration",
    "skin ulcer": "Skin ulceration",
    "Rash maculo-papular": "Rash maculo-papular",
    "rash": "Rash maculo-papular",
    "Pruritus": "Pruritus",
    "itching": "Pruritus",
    "Pneumonitis": "Pneumonitis",
    "Colitis": "Colitis",
    "Hoarseness": "Hoarseness",
    "dysphonia": "Hoarseness",
    "Weight loss": "Weight loss",
    "Thromboembolic event": "Thromboembolic event",
    "thrombosis": "Thromboembolic event",
    "venous thromboembolism": "Thromboembolic event",
    "pulmonary embolism": "Thromboembolic event",
    # "Gastrointestinal perforation" (a group-like term of its own)
    "Gastrointestinal perforation": GI_PERFORATION,
    "GI perforation": GI_PERFORATION,
    "Wound complication": "Wound complication",
    "delayed wound healing": "Wound complication",
    "Electrocardiogram QT corrected interval prolonged": (
        "Electrocardiogram QT corrected interval prolonged"
    ),
    "QT prolongation": "Electrocardiogram QT corrected interval prolonged",
    "QTc prolonged": "Electrocardiogram QT corrected interval prolonged",
    "Infusion related reaction": "Infusion related reaction",
    "infusion reaction": "Infusion related reaction",
}


def test_old_list_is_complete() -> None:
    assert len(OLD_FORMS) == 102  # 35 canonical terms + 67 synonyms in the previous terms.py


@pytest.mark.parametrize(("written", "key"), OLD_FORMS.items())
def test_old_forms_still_resolve(written: str, key: str) -> None:
    event = resolve(written)
    assert event is not None, written
    assert event.key == key
    assert event.written == written
    assert canonical_term(written) == key
    for variant in (written.upper(), written.lower(), f"  {written.replace(' ', '_')}  "):
        assert canonical_term(variant) == key, variant


# --- new synonyms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("nosebleed", "Epistaxis"),
        ("nose bleed", "Epistaxis"),
        ("Nose-bleed", "Epistaxis"),
        ("melena", BLEEDING),
        ("melaena", BLEEDING),
        ("GI bleed", BLEEDING),
        ("GI bleeding", BLEEDING),
        ("gastrointestinal bleeding", BLEEDING),
        ("tumor bleeding", "Tumor hemorrhage"),
        ("tumour bleeding", "Tumor hemorrhage"),
        ("upper GI bleed", "Upper gastrointestinal hemorrhage"),
        ("lower GI bleed", "Lower gastrointestinal hemorrhage"),
        ("hand_foot__syndrome", "Palmar-plantar erythrodysesthesia syndrome"),
        ("intra abdominal hemorrhage", "Intra-abdominal hemorrhage"),
        ("bleeding (site not given)", BLEEDING),
        ("bowel perforation", GI_PERFORATION),
    ],
)
def test_new_forms(written: str, key: str) -> None:
    event = resolve(written)
    assert event is not None
    assert event.key == key


@pytest.mark.parametrize(
    "written",
    [
        "upper gastrointestinal hemorrhage",
        "melena",
        "GI bleed",
        "tumor bleeding",
        "nosebleed",
        "bleeding",
        "Hemorrhage",
        "hemoptysis",
        "gum bleeding",
        "Hematuria",
    ],
)
def test_bleeding_events(written: str) -> None:
    event = resolve(written)
    assert event is not None
    assert "bleeding" in event.groups


def test_unspecific_event() -> None:
    event = resolve("bleeding")
    assert event is not None
    assert event.term is None
    assert event.ctcae_term is None
    assert event.meddra_code is None
    assert event.groups == frozenset({"bleeding"})
    with pytest.raises(ValueError, match="exactly one group"):
        Resolved("x", None, frozenset())


def test_a_term_outside_every_group() -> None:
    event = resolve("Hypertension")
    assert event is not None
    assert event.groups == frozenset()
    assert event.ctcae_term == "Hypertension"


@pytest.mark.parametrize("written", ["xyzzy", "hemorrage", "hepatitis", "", "any", "Melena term"])
def test_unknown(written: str) -> None:
    assert resolve(written) is None
    assert canonical_term(written) is None


# --- suggestions --------------------------------------------------------------------------


def test_closest_for_a_misspelling() -> None:
    found = closest("hemorrage")
    assert len(found) == 3
    assert any("hemorrhage" in name.lower() for name in found)
    assert any(name in ctcae_terms() and "hemorrhage" in name for name in closest("hemorrage", 5))


def test_closest_for_nonsense_is_not_empty() -> None:
    assert closest("xyzzy")
    assert closest("xyzzy", n=1) and len(closest("xyzzy", n=1)) == 1
    assert closest("xyzzy", n=0) == []


def test_closest_puts_an_exact_name_first() -> None:
    assert closest("Alopecia")[0] == "Alopecia"
    assert closest("Alopecia", 1) == ["Alopecia"]


def test_closest_suggests_each_event_once() -> None:
    found = closest("bleeding", 10)
    assert len(found) == len(set(found)) == 10
    assert found[0] == "bleeding"
    assert sum(name in {"bleeding", "bleed", "hemorrhage"} for name in found) == 1


def test_closest_names_resolve() -> None:
    for text in ("hemorrage", "xyzzy", "Alopecia", "nosebleeed", "GI perf"):
        for name in closest(text, 5):
            assert resolve(name) is not None, name


# --- rule targets -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Hemorrhage", RuleTarget("group", "bleeding")),
        ("bleeding", RuleTarget("group", "bleeding")),
        ("Bleeding", RuleTarget("group", "bleeding")),
        ("GI bleed", RuleTarget("group", "bleeding")),
        ("any", RuleTarget("any", ANY)),
        ("ANY", RuleTarget("any", ANY)),
        ("Oral mucositis", RuleTarget("term", "Mucositis oral")),
        ("Hypercholesteremia", RuleTarget("term", "Cholesterol high")),
        ("Pneumonitis", RuleTarget("term", "Pneumonitis")),
        ("nosebleed", RuleTarget("term", "Epistaxis")),
        ("Gastrointestinal perforation", RuleTarget("group", "gastrointestinal perforation")),
        ("GI perforation", RuleTarget("group", "gastrointestinal perforation")),
    ],
)
def test_rule_target(text: str, target: RuleTarget) -> None:
    assert rule_target(text) == target


@pytest.mark.parametrize("text", ["not a term", "xyzzy", "hemorrage", ""])
def test_rule_target_unknown(text: str) -> None:
    assert rule_target(text) is None


def _event(text: str) -> Resolved:
    event = resolve(text)
    assert event is not None
    return event


def test_group_rule_matches_members_and_unspecific_events_only() -> None:
    rule = rule_target("bleeding")
    assert rule is not None
    assert rule.matches(_event("Epistaxis"))
    assert rule.matches(_event("melena"))
    assert rule.matches(_event("tumour bleeding"))
    assert not rule.matches(_event("Hypertension"))
    assert not rule.matches(_event("Hemorrhoids"))
    assert not rule.matches(_event("GI perforation"))


def test_term_and_any_rules() -> None:
    term_rule = rule_target("Epistaxis")
    assert term_rule is not None
    assert term_rule.matches(_event("nosebleed"))
    assert not term_rule.matches(_event("bleeding"))  # a site-less bleed is not a nosebleed
    assert not term_rule.matches(_event("Hypertension"))
    any_rule = rule_target("any")
    assert any_rule is not None
    assert any_rule.matches(_event("Hypertension"))
    assert any_rule.matches(_event("bleeding"))


def test_gi_perforation_rule() -> None:
    rule = rule_target("Gastrointestinal perforation")
    assert rule is not None
    assert rule.matches(_event("Jejunal perforation"))
    assert rule.matches(_event("GI perforation"))
    assert not rule.matches(_event("Gastrointestinal fistula"))
    assert not rule.matches(_event("Gallbladder perforation"))


def test_describe() -> None:
    assert RuleTarget("any", ANY).describe() == "any adverse event"
    assert RuleTarget("term", "Epistaxis").describe() == "Epistaxis"
    assert RuleTarget("group", "bleeding").describe() == "bleeding (any CTCAE bleeding term)"


# --- grades -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "grade", "defined"),
    [
        ("Alopecia", 3, False),
        ("Alopecia", 0, True),
        ("Alopecia", 2, True),
        ("Fatigue", 4, False),
        ("Fatigue", 3, True),
        ("bleeding", 5, True),
        ("bleeding", 1, True),
        ("bleeding", 6, False),
        ("Bruising", 3, False),
        ("GI perforation", 1, False),
        ("GI perforation", 5, True),
    ],
)
def test_grade_defined(written: str, grade: int, defined: bool) -> None:
    assert _event(written).grade_defined(grade) is defined


@pytest.mark.parametrize(
    ("written", "text"),
    [
        ("Alopecia", "grades 1-2"),
        ("Fatigue", "grades 1-3"),
        ("Vitreous hemorrhage", "grades 1-4"),
        ("Eosinophilia", "grades 1, 3"),
        ("Syncope", "grade 3"),
        ("Hypermagnesemia", "grades 1, 3-5"),
        ("bleeding", "grades 1-5"),
        ("GI perforation", "grades 2-5"),
    ],
)
def test_defined_grades_text(written: str, text: str) -> None:
    assert _event(written).defined_grades_text() == text
