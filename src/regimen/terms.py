"""Adverse-event terms: CTCAE v5.0 terms and the synonyms people write in AE logs.

Matching is case-insensitive and ignores hyphens, underscores and repeated spaces, so
"Hand-foot skin reaction", "hand foot skin reaction" and "HFSR" all resolve to
"Palmar-plantar erythrodysesthesia syndrome".

Source: Common Terminology Criteria for Adverse Events (CTCAE) v5.0, US Department of Health
and Human Services, National Cancer Institute, 27 November 2017. "Hemorrhage" is a group term
(CTCAE lists bleeding by site); the anlotinib consensus rules are written for bleeding of any
site, so every site-specific bleeding term resolves to it.

>>> canonical_term("hand-foot skin reaction")
'Palmar-plantar erythrodysesthesia syndrome'
>>> canonical_term("Haemoptysis")
'Hemorrhage'
>>> canonical_term("not a term") is None
True
"""

from __future__ import annotations

import re

#: canonical CTCAE term -> synonyms (as people write them)
TERMS: dict[str, tuple[str, ...]] = {
    "Palmar-plantar erythrodysesthesia syndrome": (
        "hand-foot skin reaction",
        "hand-foot syndrome",
        "hand foot skin syndrome",
        "hand-foot skin syndrome",
        "HFSR",
        "HFS",
        "PPE",
    ),
    "Hemorrhage": (
        "haemorrhage",
        "bleeding",
        "hemoptysis",
        "haemoptysis",
        "epistaxis",
        "bronchopulmonary hemorrhage",
        "pulmonary hemorrhage",
        "lung hemorrhage",
        "gastrointestinal hemorrhage",
        "gastric hemorrhage",
        "rectal hemorrhage",
        "hematuria",
        "haematuria",
        "intracranial hemorrhage",
        "gum bleeding",
        "gingival bleeding",
    ),
    "Hypertension": ("high blood pressure", "HTN"),
    "Oral mucositis": (
        "oral ulcer",
        "oral ulcers",
        "mouth ulcer",
        "mouth ulcers",
        "stomatitis",
        "oral mucosal ulcer",
        "oral mucosal ulcers",
        "mucositis oral",
    ),
    "Diarrhea": ("diarrhoea",),
    "Fatigue": ("tiredness", "asthenia"),
    "Anorexia": ("loss of appetite", "decreased appetite"),
    "Proteinuria": (),
    "Nausea": (),
    "Vomiting": (),
    "Pain": (),
    "Hypothyroidism": (),
    "Hyperthyroidism": (),
    "Hypertriglyceridemia": ("hypertriglyceridaemia",),
    "Hypercholesteremia": ("hypercholesterolemia", "hypercholesterolaemia"),
    "Alanine aminotransferase increased": ("ALT increased", "raised ALT"),
    "Aspartate aminotransferase increased": ("AST increased", "raised AST"),
    "Blood bilirubin increased": ("hyperbilirubinemia", "raised bilirubin"),
    "Platelet count decreased": ("thrombocytopenia",),
    "Neutrophil count decreased": ("neutropenia",),
    "White blood cell decreased": ("leukopenia", "leucopenia"),
    "Anemia": ("anaemia",),
    "Dermatitis radiation": (
        "radiation dermatitis",
        "radiation-induced dermatitis",
        "radiation skin reaction",
    ),
    "Skin ulceration": ("skin ulcer",),
    "Rash maculo-papular": ("rash",),
    "Pruritus": ("itching",),
    "Pneumonitis": (),
    "Colitis": (),
    "Hoarseness": ("dysphonia",),
    "Weight loss": (),
    "Thromboembolic event": ("thrombosis", "venous thromboembolism", "pulmonary embolism"),
    "Gastrointestinal perforation": ("GI perforation",),
    "Wound complication": ("delayed wound healing",),
    "Electrocardiogram QT corrected interval prolonged": ("QT prolongation", "QTc prolonged"),
    "Infusion related reaction": ("infusion reaction",),
}

ANY = "any"


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_]+", " ", text.strip().lower())


_LOOKUP: dict[str, str] = {}
for _canonical, _synonyms in TERMS.items():
    for _name in (_canonical, *_synonyms):
        _LOOKUP[_norm(_name)] = _canonical


def canonical_term(text: str) -> str | None:
    """The CTCAE term ``text`` names (itself or a synonym), or None if it is not known."""
    return _LOOKUP.get(_norm(text))
