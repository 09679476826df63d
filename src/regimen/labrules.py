"""Lab rules: blood counts and organ function as data, and what they decide on a dosing day.

A regimen file gives a drug course ``[[courses.lab_rules]]``: the days of the cycle a rule
covers, a window (a result counts if dated on the dose day or up to that many days before),
the source it rests on, and bands evaluated in order; the first band whose condition holds
gives the action::

    [[courses.lab_rules]]
    days = "8"
    window = "3 d"
    source = "gemzar-label"
    bands = [
      { when = "anc >= 1.5 and platelets >= 100", action = "full" },
      { when = "anc >= 1.0 and platelets >= 75", action = "50%" },
      { when = "otherwise", action = "hold" },
    ]

Conditions are a tiny grammar, parsed here (never evaluated as code)::

    condition := "otherwise" | clause (("and" | "or") clause)*     (one joiner per condition)
    clause    := TEST (">=" | ">" | "<=" | "<") NUMBER [UNIT]

with TEST one of :data:`RULE_UNITS` and the unit implied for a test measured in one unit
(ANC and platelets in 10^9/L, ALT in U/L); bilirubin and creatinine write theirs (mg/dL or
umol/L; a result in the other unit is converted, 17.1 umol/L and 88.42 umol/L per mg/dL). A
multiple of the upper limit of normal (``3 x ULN``) is not supported: the ULN is the
laboratory's, not the regimen's, and no lab log carries it yet.

Actions: ``full``; ``N%`` (1 to 99) of the dose in force, that day only, to the nearest 0.1 mg;
``hold`` (the day's dose is not given, the cycle goes on); ``delay`` (day 1 waits until a later
result meets a ``full`` band); ``discontinue``. A rule needs a result for every test its bands
name: the latest result within the window is used, and when one is missing the dose is laid as
planned and the day "needs clinician review" (:attr:`LabAction.NO_RESULT`), never assumed.

Everything here is pure: :class:`LabDesk` answers for one course, given the lab log's results;
the calendar engine (:mod:`regimen.schedule`) asks it on each dosing day a rule covers. The
written rules are in docs/dose-modification.md, "Blood counts and organ function".
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

import attrs

from regimen.errors import InputError
from regimen.modification import Decision, DecisionKind
from regimen.sources import Source
from regimen.units import Amount, format_quantity, magnitude, quantity

#: The tests a rule may name and the units its numbers may be written in (the first is implied
#: when the clause writes none and the test has one unit); as :data:`regimen.patient.LAB_UNITS`.
RULE_UNITS: dict[str, tuple[str, ...]] = {
    "anc": ("10^9/L",),
    "platelets": ("10^9/L",),
    "alt": ("U/L",),
    "bilirubin": ("mg/dL", "umol/L"),
    "creatinine": ("mg/dL", "umol/L"),
}
#: Micromoles per litre in one mg/dL: bilirubin (molar mass 584.7 g/mol) and serum creatinine
#: (the factor of :data:`regimen.units.CREATININE_UMOL_PER_MG_DL`).
UMOL_PER_MG_DL: dict[str, Decimal] = {"bilirubin": Decimal("17.1"), "creatinine": Decimal("88.42")}
#: How a test is named in reasons.
TEST_NAMES = {
    "anc": "ANC",
    "platelets": "platelets",
    "alt": "ALT",
    "bilirubin": "bilirubin",
    "creatinine": "creatinine",
}
#: The longest window a rule may give [d]: an older count says nothing about today.
MAX_WINDOW_DAYS = 31
#: Tests whose rules are "blood-count rules" in the warning without a lab log.
BLOOD_COUNTS = frozenset({"anc", "platelets"})

_OPS = {">=": "at least", ">": "above", "<=": "at most", "<": "below"}
_CLAUSE_RE = re.compile(r"^([a-z]+)\s*(>=|<=|>|<)\s*([0-9]+(?:\.[0-9]+)?)(?:\s+(\S+))?$", re.ASCII)
_JOIN_RE = re.compile(r"\s+(and|or)\s+")
_PERCENT_RE = re.compile(r"^([0-9]{1,2})%$", re.ASCII)


def number_text(value: Decimal) -> str:
    """A decimal in ISMP-safe form: ``1`` (never ``1.0``), ``0.5``, ``100``."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class LabAction(enum.Enum):
    """What a band (or a missing result) does to a dosing day."""

    FULL = "full"
    PERCENT = "percent"
    HOLD = "hold"
    DELAY = "delay"
    DISCONTINUE = "discontinue"
    NO_RESULT = "no result"


@attrs.frozen
class LabResult:
    """One row of a lab log: ``value`` in ``unit`` (a unit of the test's own list)."""

    date: dt.date
    test: str
    value: Decimal
    unit: str
    line: int = 0
    note: str = ""

    def describe(self) -> str:
        """``ANC 0.8 10^9/L on 2022-01-10 (lab log line 3)``."""
        where = f" (lab log line {self.line})" if self.line else ""
        return (
            f"{TEST_NAMES[self.test]} {number_text(self.value)} {self.unit} on "
            f"{self.date.isoformat()}{where}"
        )

    def value_in(self, unit: str) -> Decimal:
        """The value in ``unit`` (the same, or the test's other unit through its factor)."""
        if unit == self.unit:
            return self.value
        factor = UMOL_PER_MG_DL[self.test]
        return self.value * factor if unit == "umol/L" else self.value / factor


@attrs.frozen
class Clause:
    """``anc >= 1.5``: a test, a comparison and a number in ``unit``."""

    test: str
    op: str
    number: Decimal
    unit: str

    def holds(self, result: LabResult) -> bool:
        """Whether ``result`` (of this clause's test) meets the clause."""
        value = result.value_in(self.unit)
        if self.op == ">=":
            return value >= self.number
        if self.op == ">":
            return value > self.number
        if self.op == "<=":
            return value <= self.number
        return value < self.number

    def describe(self) -> str:
        """``ANC at least 1.5 10^9/L`` (words, not symbols: this text reaches people)."""
        return f"{TEST_NAMES[self.test]} {_OPS[self.op]} {number_text(self.number)} {self.unit}"


def parse_clause(text: str) -> Clause:
    """One clause of a condition (see the module docstring).

    >>> parse_clause("anc >= 1.5").describe()
    'ANC at least 1.5 10^9/L'
    >>> parse_clause("bilirubin > 1.5 mg/dL").describe()
    'bilirubin above 1.5 mg/dL'
    """
    m = _CLAUSE_RE.match(text.strip())
    if m is None:
        raise InputError(
            f"{text.strip()!r} is not a clause like 'anc >= 1.5' (a test, one of >=, >, <=, <, "
            "and a number)"
        )
    test, op, number, unit = m.groups()
    if test not in RULE_UNITS:
        raise InputError(f"unknown test {test!r} (use one of {', '.join(RULE_UNITS)})")
    units = RULE_UNITS[test]
    if unit is None:
        if len(units) > 1:
            raise InputError(
                f"{test} is measured in {' or '.join(units)}: write the unit (e.g. "
                f"'{test} {op} {number} {units[0]}')"
            )
        unit = units[0]
    elif unit not in units:
        raise InputError(f"unit {unit!r} is not one for {test}; write {' or '.join(units)}")
    return Clause(test, op, Decimal(number), unit)


@attrs.frozen
class Condition:
    """A band's condition: clauses all joined by ``and`` or all by ``or``; no clause is
    ``otherwise`` (always holds)."""

    clauses: tuple[Clause, ...]
    any_of: bool = False

    @property
    def otherwise(self) -> bool:
        """Whether this is the ``otherwise`` condition."""
        return not self.clauses

    def holds(self, results: Mapping[str, LabResult]) -> bool:
        """Whether the results (one per test the clauses name) meet the condition."""
        if self.otherwise:
            return True
        met = (c.holds(results[c.test]) for c in self.clauses)
        return any(met) if self.any_of else all(met)

    def describe(self) -> str:
        """``ANC at least 1.5 10^9/L and platelets at least 100 10^9/L`` / ``otherwise``."""
        if self.otherwise:
            return "otherwise"
        joiner = " or " if self.any_of else " and "
        return joiner.join(c.describe() for c in self.clauses)


def parse_condition(text: str) -> Condition:
    """A band's ``when`` (see the module docstring).

    >>> parse_condition("anc >= 1 and platelets >= 100").describe()
    'ANC at least 1 10^9/L and platelets at least 100 10^9/L'
    >>> parse_condition("otherwise").otherwise
    True
    """
    text = text.strip()
    if text == "otherwise":
        return Condition(())
    parts = _JOIN_RE.split(text)
    joiners = set(parts[1::2])
    if len(joiners) > 1:
        raise InputError(
            f"{text!r} mixes 'and' and 'or'; use one of them in a condition (split it into "
            "bands, evaluated in order)"
        )
    clauses = tuple(parse_clause(p) for p in parts[::2])
    tests = [c.test for c in clauses]
    if len(set(tests)) != len(tests) and joiners != {"or"}:
        twice = next(t for t in tests if tests.count(t) > 1)
        raise InputError(f"{text!r} names {twice} twice")
    return Condition(clauses, any_of=joiners == {"or"})


@attrs.frozen
class Band:
    """``when`` holds -> ``action`` (with ``percent`` for a percentage of the dose)."""

    when: Condition
    action: LabAction
    percent: int | None = None

    def action_text(self) -> str:
        """``full dose``, ``75% of the dose``, ``hold the day's dose``..."""
        return _ACTION_WORDS[self.action].format(percent=self.percent)


_ACTION_WORDS = {
    LabAction.FULL: "full dose",
    LabAction.PERCENT: "{percent}% of the dose in force, this day only",
    LabAction.HOLD: "hold this day's dose (the cycle goes on)",
    LabAction.DELAY: "delay the cycle until a later result meets a full-dose band",
    LabAction.DISCONTINUE: "discontinue",
}


def parse_action(text: str) -> tuple[LabAction, int | None]:
    """``full``, ``N%`` (1 to 99), ``hold``, ``delay`` or ``discontinue``.

    >>> parse_action("75%")
    (<LabAction.PERCENT: 'percent'>, 75)
    """
    text = text.strip()
    m = _PERCENT_RE.match(text)
    if m is not None:
        percent = int(m.group(1))
        if not 1 <= percent <= 99:
            raise InputError(f"a percentage must be 1% to 99% (100% is 'full'), got {text!r}")
        return LabAction.PERCENT, percent
    for action in (LabAction.FULL, LabAction.HOLD, LabAction.DELAY, LabAction.DISCONTINUE):
        if text == action.value:
            return action, None
    raise InputError(
        f"must be 'full', a percentage like '75%', 'hold', 'delay' or 'discontinue', got {text!r}"
    )


@attrs.frozen
class LabRule:
    """One lab rule of a drug course (see the module docstring).

    ``days`` None covers every dosing day of the course (``days = "all"``).
    """

    days: tuple[int, ...] | None
    window: int
    source: Source
    bands: tuple[Band, ...]
    note: str = ""

    def __attrs_post_init__(self) -> None:
        from regimen.drugs import FieldError

        if not 0 <= self.window <= MAX_WINDOW_DAYS:
            raise FieldError(
                f"must be 0 to {MAX_WINDOW_DAYS} d (a result counts if dated on the dose day or "
                f"up to this many days before), got {self.window} d",
                "window",
            )
        if not self.bands:
            raise FieldError("needs at least one band", "bands")
        for i, band in enumerate(self.bands[:-1]):
            if band.when.otherwise:
                raise FieldError(
                    f"item {i}: 'otherwise' must be the last band (bands after it never apply)",
                    "bands",
                )
        if not self.bands[-1].when.otherwise:
            raise FieldError(
                'the last band must be { when = "otherwise", ... }: every result gives an action',
                "bands",
            )
        actions = {b.action for b in self.bands}
        if LabAction.DELAY in actions and LabAction.FULL not in actions:
            raise FieldError(
                "a rule with a 'delay' band needs a 'full' band (the one a later result must meet)",
                "bands",
            )
        if LabAction.DELAY in actions and self.days is not None and self.days != (1,):
            raise FieldError(
                "a 'delay' band moves a cycle's day 1: a rule with one covers day 1 only "
                '(days = "1")',
                "days",
            )

    @property
    def tests(self) -> tuple[str, ...]:
        """The tests the bands name, in order of first appearance."""
        seen: dict[str, None] = {}
        for band in self.bands:
            for clause in band.when.clauses:
                seen.setdefault(clause.test, None)
        return tuple(seen)

    def covers(self, day: int) -> bool:
        """Whether the rule applies on ``day`` of the cycle."""
        return self.days is None or day in self.days

    @property
    def blood_counts_only(self) -> bool:
        """Whether every test the rule names is a blood count."""
        return set(self.tests) <= BLOOD_COUNTS

    def describe(self) -> str:
        """``day 8, results within 3 d: ANC at least 1.5 10^9/L ...: full dose; otherwise:
        hold ...`` (one line)."""
        days = "every dosing day" if self.days is None else _days_words(self.days)
        bands = "; ".join(f"{b.when.describe()}: {b.action_text()}" for b in self.bands)
        return f"{days}, results within {self.window} d: {bands}"


def _days_words(days: Sequence[int]) -> str:
    label = "day" if len(days) == 1 else "days"
    return f"{label} {', '.join(map(str, days))}"


@attrs.frozen
class LabOutcome:
    """What a rule decides on one dosing day: the action (and percentage), the band that gave
    it (None when a result is missing), the results used and the tests with no result."""

    rule: LabRule
    date: dt.date
    day: int
    action: LabAction
    band: Band | None
    used: tuple[LabResult, ...]
    missing: tuple[str, ...] = ()
    #: Whether the log has a result of the rule's tests dated after ``date`` (a delay can end).
    later: bool = False

    @property
    def percent(self) -> int | None:
        """The percentage of the dose in force given (a ``N%`` band), else None."""
        return self.band.percent if self.band is not None else None

    def results_text(self) -> str:
        """``ANC 0.8 10^9/L on 2022-01-10 (lab log line 3), platelets ...``."""
        return ", ".join(r.describe() for r in self.used)

    def why(self) -> str:
        """The results and the band they meet, with the rule's source."""
        if self.band is None:
            return ""
        met = "meet" if len(self.used) > 1 else "meets"
        rule = f"lab rule for day {self.day}; {self.rule.source.short()}"
        if self.band.when.otherwise:
            return f"{self.results_text()} {met} no earlier band ({rule})"
        return f"{self.results_text()} {met} '{self.band.when.describe()}' ({rule})"


def latest(results: Sequence[LabResult], date: dt.date, window: int) -> LabResult | None:
    """The latest result dated on ``date`` or up to ``window`` days before (``results`` in
    date order), or None."""
    earliest = date - dt.timedelta(days=window)
    found = None
    for r in results:
        if r.date > date:
            break
        if r.date >= earliest:
            found = r
    return found


def evaluate(
    rule: LabRule, results: Mapping[str, Sequence[LabResult]], date: dt.date, day: int
) -> LabOutcome:
    """The rule's outcome on ``date`` (day ``day`` of the cycle), from ``results`` by test (each
    in date order)."""
    used: dict[str, LabResult] = {}
    missing: list[str] = []
    for test in rule.tests:
        found = latest(results.get(test, ()), date, rule.window)
        if found is None:
            missing.append(test)
        else:
            used[test] = found
    if missing:
        return LabOutcome(
            rule, date, day, LabAction.NO_RESULT, None, tuple(used.values()), tuple(missing)
        )
    band = next(b for b in rule.bands if b.when.holds(used))
    return LabOutcome(rule, date, day, band.action, band, tuple(used.values()))


def percent_dose(dose: Amount, percent: int) -> Amount:
    """``percent`` of ``dose``, exactly in decimal, to the nearest 0.1 mg (halves up).

    >>> from regimen.units import quantity as q, format_quantity as f
    >>> f(percent_dose(q(1636.3, "mg"), 75)), f(percent_dose(q(1636.3, "mg"), 50))
    ('1227.2 mg', '818.2 mg')
    """
    exact = Decimal(repr(magnitude(dose, "mg"))) * percent / 100
    tenths = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return quantity(float(tenths), "mg")


@attrs.frozen
class LabDesk:
    """The lab rules of one drug course and the lab log's results, for the calendar engine.

    ``results`` holds each test's results in date order.
    """

    rules: tuple[LabRule, ...]
    results: Mapping[str, tuple[LabResult, ...]]

    def rule_for(self, day: int) -> LabRule | None:
        """The rule covering ``day`` of the cycle (the loader allows one per day)."""
        return next((r for r in self.rules if r.covers(day)), None)

    def evaluate(self, day: int, date: dt.date, delaying: bool = False) -> LabOutcome | None:
        """The outcome on a dosing day (None when no rule covers it). While a day 1 waits for
        counts (``delaying``), anything short of a ``full`` band keeps it waiting."""
        rule = self.rule_for(day)
        if rule is None:
            return None
        outcome = evaluate(rule, self.results, date, day)
        later = any(r.date > date for test in rule.tests for r in self.results.get(test, ()))
        action = outcome.action
        if delaying and action is not LabAction.FULL:
            action = LabAction.DELAY
        return attrs.evolve(outcome, action=action, later=later)


def lab_decision(
    course: str,
    outcome: LabOutcome,
    dose: Amount,
    given: Amount | None,
    cycle: int,
    moved_from: dt.date | None = None,
) -> Decision:
    """The :class:`~regimen.modification.Decision` of an outcome on a dosing day of ``course``:
    ``dose`` the dose in force, ``given`` what is given (None: nothing), ``moved_from`` the
    planned day 1 of a day 1 that waited for counts."""
    where = f"cycle {cycle} day {outcome.day}"
    kind = _KINDS[outcome.action]
    review = ""
    if outcome.action is LabAction.NO_RESULT:
        names = " or ".join(TEST_NAMES[t] for t in outcome.missing)
        first = outcome.date - dt.timedelta(days=outcome.rule.window)
        dated = (
            f"dated {outcome.date.isoformat()}"
            if first == outcome.date
            else f"dated {first.isoformat()} to {outcome.date.isoformat()}"
        )
        review = (
            f"no {names} result {dated} in the lab log: the lab rule of {course} for day "
            f"{outcome.day} needs one ({outcome.rule.source.short()}); "
            f"{format_quantity(dose)} laid as planned, not assumed"
        )
        reason = f"{where}: {review}"
        if outcome.used:
            reason += f" (results found: {outcome.results_text()})"
    elif outcome.action is LabAction.PERCENT:
        assert given is not None  # noqa: S101 - a percentage gives a dose
        reason = (
            f"{where}: {outcome.percent}% of {format_quantity(dose)} = "
            f"{format_quantity(given)} (to the nearest 0.1 mg), this day only: "
            f"{outcome.why()}"
        )
    elif outcome.action is LabAction.DELAY:
        reason = (
            f"{where} delayed: {outcome.why()}; day 1 waits for a later result that meets a "
            "full-dose band"
        )
    else:
        reason = f"{where}: {_ACTION_WORDS[outcome.action]}: {outcome.why()}"
        if moved_from is not None:
            reason += (
                f"; cycle {cycle} day 1 moved from {moved_from.isoformat()} to "
                f"{outcome.date.isoformat()} (waited for counts)"
            )
    return Decision(
        outcome.date,
        course,
        kind,
        dose,
        given,
        reason,
        source=outcome.rule.source,
        review=review,
    )


def waiting_decision(
    course: str, outcome: LabOutcome, planned: dt.date, cycle: int, dose: Amount
) -> Decision:
    """Cycle ``cycle`` of ``course`` cannot start: no later result in the lab log can end the
    delay."""
    tests = " and ".join(TEST_NAMES[t] for t in outcome.rule.tests)
    return Decision(
        planned,
        course,
        DecisionKind.LAB_WAITING,
        dose,
        None,
        f"cycle {cycle} day 1 (planned {planned.isoformat()}) is waiting for counts: the lab "
        f"log has no {tests} result after {outcome.date.isoformat()} that meets a full-dose "
        "band; no later cycles are laid out until it does",
        source=outcome.rule.source,
    )


_KINDS = {
    LabAction.FULL: DecisionKind.LAB_FULL,
    LabAction.PERCENT: DecisionKind.LAB_REDUCED,
    LabAction.HOLD: DecisionKind.LAB_HOLD,
    LabAction.DELAY: DecisionKind.LAB_DELAY,
    LabAction.DISCONTINUE: DecisionKind.LAB_DISCONTINUE,
    LabAction.NO_RESULT: DecisionKind.LAB_NO_RESULT,
}


def by_test(results: Iterable[LabResult]) -> dict[str, tuple[LabResult, ...]]:
    """Results grouped by test, each in date order."""
    out: dict[str, list[LabResult]] = {}
    for r in sorted(results, key=lambda r: (r.date, r.line)):
        out.setdefault(r.test, []).append(r)
    return {test: tuple(rows) for test, rows in out.items()}


def unapplied_warning(courses: Sequence[tuple[str, Sequence[LabRule]]]) -> str | None:
    """The one plan warning when a regimen has lab rules and no lab log is given: ``blood-count
    rules of gemcitabine (label) and docetaxel (label) not applied: no lab log given``."""
    named = [(cid, rules) for cid, rules in courses if rules]
    if not named:
        return None
    parts = []
    for cid, rules in named:
        kinds = sorted({r.source.kind.value for r in rules})
        parts.append(f"{cid} ({', '.join(kinds)})")
    blood = all(r.blood_counts_only for _, rules in named for r in rules)
    what = "blood-count rules" if blood else "lab rules"
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return (
        f"{what} of {joined} not applied: no lab log given (--lab-log FILE); every dose is laid "
        "as planned"
    )
