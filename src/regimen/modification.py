"""Dose modification: rules, adverse events, and the replay of an AE log into decisions.

A :class:`Rule` matches an adverse-event term (a CTCAE term with its synonyms, or ``any``) and
a grade range, and says what to do: ``continue``, ``reduce`` one level now, ``hold`` until the
grade is <= N then resume at the ``same`` or one level ``lower``, or ``discontinue``; a hold may
have a maximum length, after which the drug is discontinued. Every rule carries its source.

:class:`DoseState` is the state machine the calendar engine drives one drug course with, a day
at a time. Semantics (DESIGN.md):

* a hold starts on the date of the AE row (no dose that day) and the drug resumes on the date
  of the row that shows recovery to the threshold;
* no re-escalation; a reduction below the lowest level, or resuming one level lower at the
  lowest level, discontinues the drug on the date of the row that triggered it;
* a maximum hold of N days that passes without recovery discontinues the drug on hold start +
  N days; a recovery row dated on that very day still counts as recovery within N days;
* a rule for the specific term wins over ``any``.

Each change is a :class:`Decision` that records the AE row, the rule, its source, and the dose
before and after.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

import attrs

from regimen.errors import InputError
from regimen.sources import Source
from regimen.terms import ANY
from regimen.units import Quantity, format_quantity

MAX_GRADE = 5


class Action(enum.Enum):
    """What a rule does."""

    CONTINUE = "continue"
    REDUCE = "reduce"
    HOLD = "hold"
    DISCONTINUE = "discontinue"


class Resume(enum.Enum):
    """The dose a hold resumes at."""

    SAME = "same"
    LOWER = "lower"


@attrs.frozen
class Rule:
    """One dose-modification rule.

    Parameters
    ----------
    term : str
        A canonical CTCAE term (see :mod:`regimen.terms`) or ``"any"``.
    grade_min, grade_max : int
        Inclusive CTCAE grade range, 0-5.
    action : Action
    until_grade : int or None
        For ``hold``: resume when the grade is at most this.
    resume : Resume or None
        For ``hold``: resume at the same dose or one level lower.
    max_hold_days : int or None
        For ``hold``: discontinue if not recovered within this many days [d].
    source : Source
    note : str
        Free text shown with decisions.
    """

    term: str
    grade_min: int
    grade_max: int
    action: Action
    source: Source
    until_grade: int | None = None
    resume: Resume | None = None
    max_hold_days: int | None = None
    note: str = ""

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.grade_min <= self.grade_max <= MAX_GRADE:
            raise InputError(
                f"grades must run from low to high within 0-{MAX_GRADE}, got "
                f"{self.grade_min}-{self.grade_max}"
            )
        is_hold = self.action is Action.HOLD
        if is_hold and (self.until_grade is None or self.resume is None):
            raise InputError("a hold rule needs until_grade and resume")
        if not is_hold and (
            self.until_grade is not None
            or self.resume is not None
            or self.max_hold_days is not None
        ):
            raise InputError("until_grade, resume and max_hold apply only to hold rules")
        if is_hold and self.until_grade is not None and self.until_grade >= self.grade_min:
            raise InputError(
                f"until_grade ({self.until_grade}) must be below the grades that start the hold "
                f"({self.grade_min})"
            )
        if self.max_hold_days is not None and self.max_hold_days < 1:
            raise InputError(f"max_hold must be at least 1 d, got {self.max_hold_days} d")

    def matches(self, canonical: str | None, grade: int) -> bool:
        """Whether the rule covers an AE of this (canonical) term and grade."""
        term_ok = self.term == ANY or (canonical is not None and self.term == canonical)
        return term_ok and self.grade_min <= grade <= self.grade_max

    @property
    def grades_text(self) -> str:
        """``grade 2`` or ``grade 3-4``."""
        if self.grade_min == self.grade_max:
            return f"grade {self.grade_min}"
        return f"grade {self.grade_min}-{self.grade_max}"

    def describe(self) -> str:
        """One line: ``Hemorrhage grade 2: hold until grade <= 1, then resume one level lower
        (discontinue if not recovered within 14 d)``."""
        term = "any adverse event" if self.term == ANY else self.term
        text = f"{term} {self.grades_text}: "
        if self.action is Action.HOLD:
            resume = "at the same dose" if self.resume is Resume.SAME else "one level lower"
            text += f"hold until grade <= {self.until_grade}, then resume {resume}"
            if self.max_hold_days is not None:
                text += f" (discontinue if not recovered within {self.max_hold_days} d)"
        elif self.action is Action.REDUCE:
            text += "reduce one dose level"
        else:
            text += self.action.value
        return text


@attrs.frozen
class AdverseEvent:
    """One row of an AE log.

    ``term`` is as written; ``canonical`` the CTCAE term it resolved to (None if unknown, in
    which case only an ``any`` rule can match). ``line`` is the row's line in its file.
    """

    date: dt.date
    term: str
    grade: int
    canonical: str | None = None
    course: str | None = None
    note: str = ""
    line: int = 0

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.grade <= MAX_GRADE:
            raise InputError(f"grade must be 0-{MAX_GRADE}, got {self.grade}")

    @property
    def key(self) -> str:
        """The term used to pair a hold with its recovery."""
        return self.canonical or self.term.strip().lower()


@attrs.frozen
class Decision:
    """A dose decision, with everything needed to explain it."""

    date: dt.date
    course: str
    action: str  # continue | reduce | hold | resume | discontinue | delay
    dose_before: Quantity | None
    dose_after: Quantity | None
    reason: str
    event: AdverseEvent | None = None
    rule: Rule | None = None
    #: The authority for the decision: the rule's source, or the label when a reduction below
    #: the lowest level stops the drug.
    source: Source | None = None


def select_rule(rules: Sequence[Rule], event: AdverseEvent) -> Rule | None:
    """The rule for ``event``: a rule for its specific term wins over an ``any`` rule.

    Among rules of equal specificity the first in file order wins.
    """
    specific = [r for r in rules if r.term != ANY and r.matches(event.canonical, event.grade)]
    if specific:
        return specific[0]
    generic = [r for r in rules if r.term == ANY and r.matches(event.canonical, event.grade)]
    return generic[0] if generic else None


def has_rule_for_term(rules: Sequence[Rule], event: AdverseEvent) -> bool:
    """Whether any rule (of any grade) could speak to this event's term."""
    return any(r.term == ANY or r.term == event.canonical for r in rules)


@attrs.define
class _Hold:
    rule: Rule
    start: dt.date
    event: AdverseEvent


def _row(event: AdverseEvent) -> str:
    return f"{event.term} grade {event.grade} on {event.date.isoformat()}"


@attrs.define
class DoseState:
    """Mutable replay state of one drug course (used only inside the calendar engine).

    Parameters
    ----------
    course : str
        Course id, for decisions.
    levels : sequence of Quantity
        Dose levels, strictly decreasing.
    level : int
        Index of the current level.
    rules : sequence of Rule
    label_source : Source or None
        The source to cite when a reduction at the lowest level discontinues the drug (the
        product label says to stop if the lowest dose is not tolerated).
    """

    course: str
    levels: tuple[Quantity, ...]
    level: int
    rules: tuple[Rule, ...]
    label_source: Source | None = None
    discontinued_on: dt.date | None = None
    holds: dict[str, _Hold] = attrs.field(factory=dict)
    decisions: list[Decision] = attrs.field(factory=list)

    @property
    def dose(self) -> Quantity:
        """The current dose level."""
        return self.levels[self.level]

    @property
    def holding(self) -> bool:
        """Whether a hold is in force."""
        return bool(self.holds)

    @property
    def active(self) -> bool:
        """Whether the drug is still being given (possibly on hold)."""
        return self.discontinued_on is None

    def _decide(
        self,
        date: dt.date,
        action: str,
        before: Quantity | None,
        after: Quantity | None,
        reason: str,
        event: AdverseEvent | None,
        rule: Rule | None,
        source: Source | None = None,
    ) -> None:
        if source is None and rule is not None:
            source = rule.source
        self.decisions.append(
            Decision(date, self.course, action, before, after, reason, event, rule, source)
        )

    def _discontinue(
        self,
        date: dt.date,
        reason: str,
        event: AdverseEvent | None,
        rule: Rule | None,
        source: Source | None = None,
    ) -> None:
        self._decide(date, "discontinue", self.dose, None, reason, event, rule, source)
        self.discontinued_on = date
        self.holds.clear()

    def _lowest(self, why: str) -> str:
        reason = f"{why}; {format_quantity(self.dose)} is the lowest dose level"
        if self.label_source is not None:
            reason += (
                ": discontinue permanently if the lowest dose is not tolerated "
                f"({self.label_source.short()})"
            )
        return reason

    def _step_down(self, date: dt.date, event: AdverseEvent, rule: Rule, why: str) -> None:
        """Go one level lower; at the lowest level, discontinue."""
        if self.level + 1 >= len(self.levels):
            self._discontinue(date, self._lowest(why), event, rule, self.label_source)
            return
        before = self.dose
        self.level += 1
        self._decide(date, "reduce", before, self.dose, why, event, rule)

    def apply(self, event: AdverseEvent) -> None:
        """Apply one AE row dated today (rows must come in date order)."""
        if not self.active:
            return
        date = event.date
        hold = self.holds.get(event.key)
        if hold is not None and event.grade <= (hold.rule.until_grade or 0):
            del self.holds[event.key]
            days = (date - hold.start).days
            why = (
                f"{_row(event)}: recovered to grade <= {hold.rule.until_grade} after {days} d on "
                f"hold; {hold.rule.describe()} ({hold.rule.source.short()})"
            )
            before, level = self.dose, self.level
            if hold.rule.resume is Resume.LOWER:
                if self.level + 1 >= len(self.levels):
                    self._discontinue(date, self._lowest(why), event, hold.rule, self.label_source)
                    return
                self.level += 1
            if not self.holds:
                self._decide(date, "resume", before, self.dose, why, event, hold.rule)
            elif self.level != level:
                self._decide(date, "reduce", before, self.dose, why, event, hold.rule)
            return
        rule = select_rule(self.rules, event)
        if rule is None:
            return
        why = f"{_row(event)}: {rule.describe()} ({rule.source.short()})"
        if rule.action is Action.CONTINUE and self.holding:
            # A grade that would allow treatment does not end a hold started by a worse one:
            # the hold stands until its own recovery threshold is reached.
            pending = "; ".join(
                f"{h.event.term} hold until grade <= {h.rule.until_grade}"
                for h in self.holds.values()
            )
            self._decide(
                date,
                "continue hold",
                self.dose,
                None,
                f"{why}; still on hold ({pending})",
                event,
                rule,
            )
        elif rule.action is Action.CONTINUE:
            self._decide(date, "continue", self.dose, self.dose, why, event, rule)
        elif rule.action is Action.REDUCE:
            self._step_down(date, event, rule, why)
        elif rule.action is Action.DISCONTINUE:
            self._discontinue(date, why, event, rule)
        elif hold is None:
            self.holds[event.key] = _Hold(rule, date, event)
            self._decide(date, "hold", self.dose, None, why, event, rule)
        else:
            # Still in a hold for this term (a worse or unchanged grade): the hold stands.
            self._decide(date, "continue hold", self.dose, None, why, event, rule)

    def tick(self, date: dt.date) -> None:
        """End-of-day check: a hold whose maximum length is reached today discontinues."""
        for hold in list(self.holds.values()):
            limit = hold.rule.max_hold_days
            if limit is not None and (date - hold.start).days >= limit and self.active:
                why = (
                    f"{_row(hold.event)}: not recovered to grade <= {hold.rule.until_grade} "
                    f"within {limit} d ({hold.rule.describe()}; {hold.rule.source.short()})"
                )
                self._discontinue(date, why, hold.event, hold.rule)

    @property
    def hold_can_end(self) -> bool:
        """Whether a hold in force will end by itself (a maximum hold discontinues)."""
        return any(h.rule.max_hold_days is not None for h in self.holds.values())

    def waiting(self, planned: dt.date, cycle: int) -> None:
        """Record that cycle ``cycle`` cannot start until the AE log shows recovery."""
        terms = ", ".join(
            f"{h.event.term} grade {h.event.grade} since {h.start.isoformat()}"
            for h in self.holds.values()
        )
        until = ", ".join(f"grade <= {h.rule.until_grade}" for h in self.holds.values())
        self._decide(
            planned,
            "waiting",
            self.dose,
            None,
            f"cycle {cycle} day 1 (planned {planned.isoformat()}) waits for recovery to "
            f"{until} ({terms}); no later cycles are laid out until the AE log shows it",
            None,
            None,
        )

    def delay(self, planned: dt.date, actual: dt.date, cycle: int) -> None:
        """Record that cycle ``cycle`` day 1 moved because a hold was still in force."""
        self._decide(
            actual,
            "delay",
            self.dose,
            self.dose,
            f"cycle {cycle} day 1 moved from {planned.isoformat()} to {actual.isoformat()}: "
            "a hold was in force on the planned day 1",
            None,
            None,
        )
