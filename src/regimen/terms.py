"""Adverse-event terms: the CTCAE v5.0 term list, the synonyms people write, and term groups.

Every adverse event regimen reads (in an AE log, or as the ``term`` of a dose-modification
rule) is resolved here to one of the 837 terms of CTCAE v5.0, or to an *unspecific* event of a
term group when the words name a kind of event but no site ("bleeding", "GI perforation"):
CTCAE grades bleeding by site and has no "bleeding, site not given" term.

Three data files beside this module hold everything; the code holds no term:

``data/ctcae-v5.0.csv``
    NCI's clean-copy spreadsheet converted to UTF-8 CSV, unchanged: MedDRA code, system organ
    class, term, the five grade definitions (``-`` where the grade does not exist),
    definition and navigational note.
``data/ae_synonyms.toml``
    Written forms that are not CTCAE names: ``[synonyms]`` (form -> CTCAE term) and
    ``[unspecific]`` (form -> group).
``data/term_groups.toml``
    Term groups (``bleeding``, ``gastrointestinal perforation``): the CTCAE terms each
    contains, each with the reason it belongs, and the terms left out, with the reason.

Matching is case-insensitive and ignores hyphens, underscores and repeated spaces, so
"Hand-foot skin reaction", "hand foot skin reaction" and "HFSR" all resolve to
"Palmar-plantar erythrodysesthesia syndrome". The files are read on first use, once.

Notes
-----
Forms accepted by earlier versions keep working. "Hemorrhage" used to be a group-like term
of its own; it is now the unspecific bleeding event, and as a rule target the group
``bleeding``. The old names "Oral mucositis" and "Hypercholesteremia" (not v5.0 terms) resolve
to "Mucositis oral" and "Cholesterol high"; "Gastrointestinal perforation" is the group.

References
----------
National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE) Version 5.0.
US Department of Health and Human Services, 27 Nov 2017.

Examples
--------
>>> resolve("nosebleed").key
'Epistaxis'
>>> resolve("hand foot skin reaction").key
'Palmar-plantar erythrodysesthesia syndrome'
>>> event = resolve("GI bleed")
>>> event.key, sorted(event.groups), event.ctcae_term is None
('bleeding (site not given)', ['bleeding'], True)
>>> resolve("Alopecia").defined_grades_text()
'grades 1-2'
>>> resolve("xyzzy") is None
True
>>> rule_target("Hemorrhage").describe()
'bleeding (any CTCAE bleeding term)'
>>> rule_target("bleeding").matches(resolve("Epistaxis"))
True
"""

from __future__ import annotations

import csv
import difflib
import re
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import attrs

ANY = "any"

_DATA = Path(__file__).parent / "data"
_CTCAE_CSV = _DATA / "ctcae-v5.0.csv"
_SYNONYMS_TOML = _DATA / "ae_synonyms.toml"
_GROUPS_TOML = _DATA / "term_groups.toml"

_GRADES = (1, 2, 3, 4, 5)
_UNSPECIFIC_SUFFIX = " (site not given)"


@attrs.frozen
class CtcaeTerm:
    """One CTCAE v5.0 term.

    Attributes
    ----------
    name : str
        The term exactly as NCI publishes it, e.g. ``"Epistaxis"``.
    meddra_code : str
        The MedDRA code NCI publishes with it, e.g. ``"10015090"``.
    soc : str
        Its MedDRA system organ class.
    grades : frozenset of int
        The grades CTCAE defines for it, a subset of {1, 2, 3, 4, 5}.
    """

    name: str
    meddra_code: str
    soc: str
    grades: frozenset[int]


@attrs.frozen
class Group:
    """A term group: CTCAE terms that one rule can name at once (e.g. ``bleeding``).

    Attributes
    ----------
    name : str
        The group's name, e.g. ``"bleeding"``.
    description : str
        What the group contains, in one sentence.
    source : str
        Where the membership comes from.
    members : Mapping of str to str
        CTCAE term name -> the reason it belongs.
    excluded : Mapping of str to str
        CTCAE term names considered and left out -> the reason.
    """

    name: str
    description: str
    source: str
    members: Mapping[str, str] = attrs.field(hash=False)
    excluded: Mapping[str, str] = attrs.field(hash=False, factory=lambda: MappingProxyType({}))

    @property
    def grades(self) -> frozenset[int]:
        """The grades any member defines."""
        terms = ctcae_terms()
        return frozenset(g for name in self.members for g in terms[name].grades)


@attrs.frozen
class Resolved:
    """An adverse event as written, resolved to a CTCAE term or an unspecific group event.

    Attributes
    ----------
    written : str
        The text as the user wrote it.
    term : CtcaeTerm or None
        The CTCAE term, or None for an unspecific event ("bleeding": no site given).
    groups : frozenset of str
        The names of the groups this event belongs to (exactly one for an unspecific event).
    """

    written: str
    term: CtcaeTerm | None
    groups: frozenset[str]

    def __attrs_post_init__(self) -> None:
        if self.term is None and len(self.groups) != 1:
            raise ValueError("an unspecific event belongs to exactly one group")

    @property
    def key(self) -> str:
        """The term name, or e.g. ``"bleeding (site not given)"`` for an unspecific event."""
        if self.term is not None:
            return self.term.name
        (group,) = self.groups
        return group + _UNSPECIFIC_SUFFIX

    @property
    def ctcae_term(self) -> str | None:
        """The CTCAE term name, or None for an unspecific event."""
        return None if self.term is None else self.term.name

    @property
    def meddra_code(self) -> str | None:
        """The MedDRA code of the CTCAE term, or None for an unspecific event."""
        return None if self.term is None else self.term.meddra_code

    @property
    def defined_grades(self) -> frozenset[int]:
        """The grades CTCAE defines: the term's, or for an unspecific event any member's."""
        if self.term is not None:
            return self.term.grades
        (group,) = self.groups
        return groups()[group].grades

    def grade_defined(self, grade: int) -> bool:
        """Whether CTCAE defines ``grade`` for this event (grade 0, no event, always is)."""
        return grade == 0 or grade in self.defined_grades

    def defined_grades_text(self) -> str:
        """The defined grades for messages: ``"grades 1-2"``, ``"grades 1, 3-5"``, ``"grade 3"``."""
        grades = sorted(self.defined_grades)
        runs: list[list[int]] = []
        for g in grades:
            if runs and g == runs[-1][-1] + 1:
                runs[-1].append(g)
            else:
                runs.append([g])
        parts = [str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs]
        return ("grade " if len(grades) == 1 else "grades ") + ", ".join(parts)


@attrs.frozen
class RuleTarget:
    """What the ``term`` of a dose-modification rule names: any event, one term, or a group.

    Attributes
    ----------
    kind : {"any", "term", "group"}
    name : str
        ``"any"``, a CTCAE term name, or a group name.
    """

    kind: Literal["any", "term", "group"]
    name: str

    def matches(self, event: Resolved) -> bool:
        """Whether the rule applies to ``event``."""
        if self.kind == "any":
            return True
        if self.kind == "term":
            return event.term is not None and event.term.name == self.name
        return self.name in event.groups

    def describe(self) -> str:
        """For messages: ``"any adverse event"``, ``"Epistaxis"``, ``"bleeding (any CTCAE
        bleeding term)"``."""
        if self.kind == "any":
            return "any adverse event"
        if self.kind == "term":
            return self.name
        return f"{self.name} (any CTCAE {self.name} term)"


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_]+", " ", text.casefold()).strip()


def _read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def _table(data: Mapping[str, Any], key: str, path: Path) -> dict[str, str]:
    table = data.get(key, {})
    if not isinstance(table, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in table.items()
    ):
        raise ValueError(f"{path.name}: [{key}] must map strings to strings")
    return table


@cache
def _load_terms() -> Mapping[str, CtcaeTerm]:
    terms: dict[str, CtcaeTerm] = {}
    with _CTCAE_CSV.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            name = row["term"]
            grades = frozenset(g for g in _GRADES if row[f"grade_{g}"].strip() != "-")
            terms[name] = CtcaeTerm(name, row["meddra_code"], row["soc"], grades)
    return MappingProxyType(terms)


def ctcae_terms() -> Mapping[str, CtcaeTerm]:
    """All CTCAE v5.0 terms, keyed by their exact name (read from the CSV on first use)."""
    return _load_terms()


@cache
def _load_groups() -> Mapping[str, Group]:
    terms = ctcae_terms()
    out: dict[str, Group] = {}
    for name, body in _read_toml(_GROUPS_TOML).get("groups", {}).items():
        members = _table(body, "members", _GROUPS_TOML)
        excluded = _table(body, "excluded", _GROUPS_TOML)
        for term in (*members, *excluded):
            if term not in terms:
                raise ValueError(f"{_GROUPS_TOML.name}: group {name!r}: {term!r} is not CTCAE v5.0")
        if both := members.keys() & excluded.keys():
            raise ValueError(f"{_GROUPS_TOML.name}: group {name!r} includes and excludes {both}")
        out[name] = Group(
            name=name,
            description=str(body["description"]),
            source=str(body["source"]),
            members=MappingProxyType(members),
            excluded=MappingProxyType(excluded),
        )
    return MappingProxyType(out)


def groups() -> Mapping[str, Group]:
    """The term groups, keyed by name (``"bleeding"``, ``"gastrointestinal perforation"``)."""
    return _load_groups()


@cache
def _term_groups() -> Mapping[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for group in groups().values():
        for term in group.members:
            found.setdefault(term, set()).add(group.name)
    return MappingProxyType({term: frozenset(names) for term, names in found.items()})


#: a lookup entry: ("term", CTCAE name) or ("group", group name) for an unspecific event
_Target = tuple[Literal["term", "group"], str]


@cache
def _lookup() -> tuple[Mapping[str, _Target], tuple[tuple[str, str, str], ...]]:
    """Normalised written form -> target, and the suggestion candidates for :func:`closest`.

    A candidate is (normalised form, what to suggest, what it means), so that two forms of one
    event are suggested once.
    """
    terms, known_groups = ctcae_terms(), groups()
    data = _read_toml(_SYNONYMS_TOML)
    lookup: dict[str, _Target] = {}
    candidates: list[tuple[str, str, str]] = []

    def add(form: str, target: _Target, suggest: str | None) -> None:
        key = _norm(form)
        if lookup.setdefault(key, target) != target:
            raise ValueError(
                f"{_SYNONYMS_TOML.name}: {form!r} means both {lookup[key][1]!r} and {target[1]!r}"
            )
        if suggest is not None:
            meaning = target[1] if target[0] == "term" else target[1] + _UNSPECIFIC_SUFFIX
            candidates.append((key, suggest, meaning))

    for name in terms:
        add(name, ("term", name), name)
    for form, name in _table(data, "synonyms", _SYNONYMS_TOML).items():
        if name not in terms:
            raise ValueError(f"{_SYNONYMS_TOML.name}: {form!r} -> {name!r} is not CTCAE v5.0")
        add(form, ("term", name), name)
    for form, name in _table(data, "unspecific", _SYNONYMS_TOML).items():
        if name not in known_groups:
            raise ValueError(f"{_SYNONYMS_TOML.name}: {form!r} -> {name!r} is not a term group")
        add(form, ("group", name), form)
    for name in known_groups:
        add(name, ("group", name), name)
        add(name + _UNSPECIFIC_SUFFIX, ("group", name), None)
    return MappingProxyType(lookup), tuple(candidates)


def resolve(text: str) -> Resolved | None:
    """The event ``text`` names: a CTCAE term, a synonym, or an unspecific group word.

    Case, hyphens, underscores and repeated spaces do not matter. None if not known.
    """
    target = _lookup()[0].get(_norm(text))
    if target is None:
        return None
    kind, name = target
    if kind == "group":
        return Resolved(text, None, frozenset({name}))
    return Resolved(text, ctcae_terms()[name], _term_groups().get(name, frozenset()))


def closest(text: str, n: int = 3) -> list[str]:
    """Up to ``n`` known names closest to ``text``, best first, for "did you mean" messages.

    CTCAE term names (a synonym is suggested as its term), and group or unspecific words
    where those are closer. Never empty for ``n >= 1``.
    """
    if n < 1:
        return []
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(_norm(text))
    scored: list[tuple[float, str, str]] = []
    for form, suggest, meaning in _lookup()[1]:
        matcher.set_seq1(form)
        scored.append((matcher.ratio(), suggest, meaning))
    scored.sort(key=lambda s: (-s[0], s[1]))
    out: list[str] = []
    seen: set[str] = set()
    for _, suggest, meaning in scored:
        if meaning not in seen:
            seen.add(meaning)
            out.append(suggest)
            if len(out) == n:
                break
    return out


def rule_target(text: str) -> RuleTarget | None:
    """What the ``term`` of a rule names: ``"any"``, a group, or a CTCAE term; None if unknown.

    A group name, or a word naming a group but no site ("bleeding", the old "Hemorrhage" and
    "Gastrointestinal perforation"), targets the whole group; a CTCAE term or a synonym of one
    targets that term.
    """
    if _norm(text) == ANY:
        return RuleTarget("any", ANY)
    event = resolve(text)
    if event is None:
        return None
    if event.term is None:
        (group,) = event.groups
        return RuleTarget("group", group)
    return RuleTarget("term", event.term.name)


def canonical_term(text: str) -> str | None:
    """``resolve(text).key``, or None if ``text`` names no known event (for older callers)."""
    event = resolve(text)
    return None if event is None else event.key
