"""Dose modification: rules, adverse events, and the replay of an AE log into decisions.

A :class:`Rule` matches an adverse event (a CTCAE term, a term group such as ``bleeding``, or
``any``) and a grade range, and says what to do: ``continue``, ``reduce`` one level now, ``hold``
until the grade is <= N then resume at the ``same`` or one level ``lower``, or ``discontinue``;
a hold may have a maximum length, after which the drug is discontinued. Every rule carries its
source, and may say that its decision needs clinician review (``review``).

:class:`DoseState` is the state machine the calendar engine drives one drug course with, a day
at a time: :meth:`DoseState.apply` for each AE row of the day, then :meth:`DoseState.settle`.
The semantics are written out in ``docs/dose-modification.md``; in short:

* a hold starts on the date of the AE row (no dose that day) and ends on the date of the row
  that shows recovery to the threshold for the same condition (the dose that day is given);
* overlapping holds are one interruption: the drug resumes when the last ends, at most one
  level below the level it had when the first began; rows of one date are simultaneous;
* no re-escalation; a reduction, or a resume-one-level-lower rule, at the lowest level
  discontinues the drug on the date of the AE row;
* a maximum hold of N days with no recovery row dated on or before hold start + N days
  discontinues the drug on that day, and the decision says it rests on the absence of a row;
* rows before the course's first dose never change its dose: a hold (or a grade >= 3 row)
  delays day 1, a discontinue rule means the drug is not started;
* nothing vanishes: a row no rule covers is a ``no rule`` decision needing review, a row after
  a discontinuation is recorded as having no effect.

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
from regimen.terms import Resolved, RuleTarget, rule_target
from regimen.units import Amount, format_quantity

MAX_GRADE = 5
#: Grade at or above which an unrecovered row before the first dose delays day 1 even when its
#: rule says continue or reduce (docs/dose-modification.md, "Before the first dose").
PRESTART_DELAY_GRADE = 3
#: The threshold such a row waits for when its rule sets none (grade <= 1).
PRESTART_RECOVERY_GRADE = 1


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


class DecisionKind(enum.Enum):
    """The kinds of decision a replay records (the ``action`` of JSON decisions)."""

    CONTINUE = "continue"
    CONTINUE_HOLD = "continue hold"
    HOLD = "hold"
    RESUME = "resume"
    REDUCE = "reduce"
    DISCONTINUE = "discontinue"
    DELAY = "delay"
    WAITING = "waiting"
    NO_RULE = "no rule"
    NO_EFFECT = "no effect"
    RECORDED = "recorded"
    # Lab rules (regimen.labrules): the results of a dosing day and what they decide.
    LAB_FULL = "lab: full dose"
    LAB_REDUCED = "lab: reduced dose"
    LAB_HOLD = "lab: hold day"
    LAB_DELAY = "lab: delay"
    LAB_WAITING = "lab: waiting"
    LAB_DISCONTINUE = "lab: discontinue"
    LAB_NO_RESULT = "lab: no result"


def _target(value: RuleTarget | str) -> RuleTarget:
    """A rule's target from a term, group name or ``any`` (as a regimen file writes it)."""
    if isinstance(value, RuleTarget):
        return value
    target = rule_target(value)
    if target is None:
        raise InputError(f"unknown adverse-event term {value!r} (use a CTCAE term or 'any')")
    return target


@attrs.frozen
class Rule:
    """One dose-modification rule.

    Parameters
    ----------
    target : RuleTarget
        The CTCAE term, term group or ``any`` the rule is for.
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
    review : str
        When not empty, every decision under this rule needs clinician review, for this reason
        (the source's decision depends on something the grade alone does not tell).
    """

    target: RuleTarget = attrs.field(converter=_target)
    grade_min: int
    grade_max: int
    action: Action
    source: Source
    until_grade: int | None = None
    resume: Resume | None = None
    max_hold_days: int | None = None
    note: str = ""
    review: str = ""

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

    def matches(self, event: AdverseEvent) -> bool:
        """Whether the rule covers this AE row (its term and grade)."""
        return self.grade_min <= event.grade <= self.grade_max and self.target.matches(
            event.resolved
        )

    @property
    def grades_text(self) -> str:
        """``grade 2`` or ``grade 3-4``."""
        if self.grade_min == self.grade_max:
            return f"grade {self.grade_min}"
        return f"grade {self.grade_min}-{self.grade_max}"

    def describe(self) -> str:
        """One line: ``bleeding grade 2: hold until grade 1 or lower, then resume one level
        lower (discontinue if not recovered within 14 d)``."""
        text = f"{self.target.describe()} {self.grades_text}: "
        if self.action is Action.HOLD:
            resume = "at the same dose" if self.resume is Resume.SAME else "one level lower"
            text += f"hold until grade {self.until_grade} or lower, then resume {resume}"
            if self.max_hold_days is not None:
                text += f" (discontinue if not recovered within {self.max_hold_days} d)"
        elif self.action is Action.REDUCE:
            text += "reduce one dose level"
        else:
            text += self.action.value
        return text

    def condition(self, event: AdverseEvent) -> str:
        """The key a hold under this rule is kept by: the rule's term or group, or the row's
        own term for an ``any`` rule."""
        if self.target.kind == "any":
            return event.resolved.key
        return f"{self.target.kind}:{self.target.name}"

    def same_condition(self, key: str, event: AdverseEvent) -> bool:
        """Whether ``event`` speaks to the condition held under ``key`` (see :meth:`condition`)."""
        if self.target.kind == "any":
            return event.resolved.key == key
        return self.target.matches(event.resolved)


@attrs.frozen
class AdverseEvent:
    """One row of an AE log.

    ``term`` is as written; ``resolved`` is what it names (a CTCAE term, or an unspecific event
    of a group such as a bleed whose site is not given). ``line`` is the row's line in its file.
    """

    date: dt.date
    term: str
    grade: int
    resolved: Resolved
    course: str | None = None
    note: str = ""
    line: int = 0

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.grade <= MAX_GRADE:
            raise InputError(f"grade must be 0-{MAX_GRADE}, got {self.grade}")

    @property
    def ctcae_term(self) -> str | None:
        """The CTCAE v5.0 term, or None for an unspecific event."""
        return self.resolved.ctcae_term

    @property
    def meddra_code(self) -> str | None:
        """The MedDRA code NCI publishes with the term."""
        return self.resolved.meddra_code

    def describe(self) -> str:
        """``epistaxis grade 2 on 2022-01-07 (line 2)``."""
        where = f" (line {self.line})" if self.line else ""
        return f"{self.term} grade {self.grade} on {self.date.isoformat()}{where}"


@attrs.frozen
class Decision:
    """A dose decision, with everything needed to explain it."""

    date: dt.date
    course: str
    kind: DecisionKind
    dose_before: Amount | None
    dose_after: Amount | None
    reason: str
    event: AdverseEvent | None = None
    rule: Rule | None = None
    #: The authority for the decision: the rule's source, or the label when a reduction below
    #: the lowest level stops the drug.
    source: Source | None = None
    #: Why a clinician must review this decision; empty when the rules settle it.
    review: str = ""

    @property
    def action(self) -> str:
        """The kind as a word (``hold``, ``no rule``...), as JSON and text show it."""
        return self.kind.value


def select_rule(rules: Sequence[Rule], event: AdverseEvent) -> Rule | None:
    """The rule for ``event``: a rule for its CTCAE term wins over a group rule, which wins over
    an ``any`` rule; among rules of equal specificity the first in file order wins."""
    for kind in ("term", "group", "any"):
        for r in rules:
            if r.target.kind == kind and r.matches(event):
                return r
    return None


@attrs.define
class _Hold:
    rule: Rule
    start: dt.date
    event: AdverseEvent
    until: int
    limit: int | None
    #: The last date a row showed the condition still above the threshold: a recovery row must
    #: come later (rows of one date are simultaneous).
    seen: dt.date | None = None


def _rule_text(rule: Rule) -> str:
    return f"{rule.describe()} ({rule.source.short()})"


@attrs.define
class DoseState:
    """Mutable replay state of one drug course (used only inside the calendar engine).

    Parameters
    ----------
    course : str
        Course id, for decisions.
    levels : sequence of Amount
        Dose levels, strictly decreasing.
    level : int
        Index of the starting level.
    rules : sequence of Rule
    label_source : Source or None
        The source to cite when a reduction at the lowest level discontinues the drug (the
        product label says to stop if the lowest dose is not tolerated).
    """

    course: str
    levels: tuple[Amount, ...]
    level: int
    rules: tuple[Rule, ...]
    label_source: Source | None = None
    #: Set by the calendar engine once the first dose has been given.
    started: bool = False
    discontinued_on: dt.date | None = None
    holds: dict[str, _Hold] = attrs.field(factory=dict)
    decisions: list[Decision] = attrs.field(factory=list)
    #: The level in force when the current interruption began (None: no interruption).
    _interrupted_at: int | None = None
    _resume_lower: bool = False
    #: Holds ended today: (hold, recovery row, where the row's decision goes in the list).
    _recovered: list[tuple[_Hold, AdverseEvent, int]] = attrs.field(factory=list)
    _reduced_on: dt.date | None = None
    _level_before_reduce: int = 0

    @property
    def dose(self) -> Amount:
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

    @property
    def resume_dose(self) -> Amount:
        """The dose in force, or while on hold the dose the drug resumes at."""
        if self.holding and self.started and self._resume_lower:
            base = self._interrupted_at if self._interrupted_at is not None else self.level
            return self.levels[min(base + 1, len(self.levels) - 1)]
        return self.dose

    @property
    def at_lowest(self) -> bool:
        """Whether the current level is the lowest."""
        return self.level + 1 >= len(self.levels)

    def _decide(
        self,
        date: dt.date,
        kind: DecisionKind,
        after: Amount | None,
        reason: str,
        event: AdverseEvent | None = None,
        rule: Rule | None = None,
        *,
        source: Source | None = None,
        review: str = "",
        before: Amount | None = None,
    ) -> None:
        if source is None and rule is not None:
            source = rule.source
        if not review and rule is not None and rule.review:
            review = rule.review
        if before is None and self.active:
            before = self.dose
        self.decisions.append(
            Decision(date, self.course, kind, before, after, reason, event, rule, source, review)
        )

    def _discontinue(
        self,
        date: dt.date,
        reason: str,
        event: AdverseEvent | None,
        rule: Rule | None,
        source: Source | None = None,
    ) -> None:
        # A recovery row of today must not vanish because the drug stops today too.
        for hold, row, at in reversed(self._recovered):
            self._decide(
                date,
                DecisionKind.CONTINUE_HOLD,
                None,
                f"{row.describe()}: recovered to grade {hold.until} or lower from "
                f"{hold.event.describe()}; the drug is discontinued the same day",
                row,
                hold.rule,
            )
            self.decisions.insert(at, self.decisions.pop())
        self._recovered.clear()
        self._decide(date, DecisionKind.DISCONTINUE, None, reason, event, rule, source=source)
        self.discontinued_on = date
        self.holds.clear()

    def _lowest(self, why: str, level: int | None = None) -> str:
        dose = self.levels[self.level if level is None else level]
        reason = f"{why}; {format_quantity(dose)} is the lowest dose level"
        if self.label_source is not None:
            reason += (
                ": discontinue permanently if the lowest dose is not tolerated "
                f"({self.label_source.short()})"
            )
        return reason

    # -- one AE row ---------------------------------------------------------------------------

    def apply(self, event: AdverseEvent) -> None:
        """Apply one AE row (rows must come in date order; call :meth:`settle` after the last
        row of each date)."""
        date = event.date
        if not self.active:
            assert self.discontinued_on is not None  # noqa: S101 - not active means discontinued
            self._decide(
                date,
                DecisionKind.NO_EFFECT,
                None,
                f"{event.describe()}: after discontinuation on "
                f"{self.discontinued_on.isoformat()}: no effect on the plan",
                event,
            )
            return
        if self._recovers(event):
            return
        rule = select_rule(self.rules, event)
        if rule is None:
            self._no_rule(event)
            return
        why = f"{event.describe()}: {_rule_text(rule)}"
        if not self.started:
            self._before_first_dose(event, rule, why)
        elif rule.action is Action.DISCONTINUE:
            self._discontinue(date, why, event, rule)
        elif rule.action is Action.CONTINUE:
            self._continue(event, rule, why)
        elif rule.action is Action.REDUCE:
            self._reduce(event, rule, why)
        else:
            self._hold(event, rule, why)

    def _recovers(self, event: AdverseEvent) -> bool:
        """End every hold this row shows recovery from; True if it ended one."""
        ended = [
            (key, h)
            for key, h in self.holds.items()
            if h.rule.same_condition(key, event)
            and event.grade <= h.until
            and (h.seen or h.start) < event.date
        ]
        for key, hold in ended:
            del self.holds[key]
            self._recovered.append((hold, event, len(self.decisions)))
        return bool(ended)

    def _no_rule(self, event: AdverseEvent) -> None:
        if event.grade == 0:
            self._decide(
                event.date,
                DecisionKind.CONTINUE_HOLD if self.holding else DecisionKind.CONTINUE,
                None if self.holding else self.dose,
                f"{event.describe()}: resolved (grade 0) and no hold to end: nothing to change",
                event,
            )
            return
        what = event.ctcae_term or event.resolved.key
        self._decide(
            event.date,
            DecisionKind.NO_RULE,
            None if self.holding else self.dose,
            f"{event.describe()}: no rule of {self.course} covers {what} grade {event.grade}: "
            "dose unchanged",
            event,
            review=f"no rule in this regimen covers {what} grade {event.grade}",
        )

    def _before_first_dose(self, event: AdverseEvent, rule: Rule, why: str) -> None:
        date = event.date
        prefix = f"{why}; before the first dose of {self.course}"
        if rule.action is Action.DISCONTINUE:
            self._discontinue(date, f"{prefix}: not started", event, rule)
            return
        key = rule.condition(event)
        if key in self.holds:
            self._decide(
                date, DecisionKind.CONTINUE_HOLD, None, f"{prefix}: day 1 still waits", event, rule
            )
            return
        if rule.action is Action.HOLD:
            assert rule.until_grade is not None  # noqa: S101 - a hold rule has one
            self.holds[key] = _Hold(rule, date, event, rule.until_grade, rule.max_hold_days)
            self._decide(
                date,
                DecisionKind.HOLD,
                None,
                f"{prefix}: day 1 waits for recovery to grade {rule.until_grade} or lower; "
                "the course then starts at its start dose (nothing was given to reduce)",
                event,
                rule,
            )
            return
        if event.grade >= PRESTART_DELAY_GRADE:
            self.holds[key] = _Hold(rule, date, event, PRESTART_RECOVERY_GRADE, None)
            self._decide(
                date,
                DecisionKind.HOLD,
                None,
                f"{prefix}: a grade {event.grade} event before the first dose; day 1 waits for "
                f"recovery to grade {PRESTART_RECOVERY_GRADE} or lower",
                event,
                rule,
                review=(
                    f"grade {event.grade} before the first dose under a {rule.action.value} rule: "
                    "the rules do not say whether to start"
                ),
            )
            return
        if self.holding:
            # Rule 1: a row that changes nothing during a hold is recorded as 'continue hold'.
            self._decide(
                date,
                DecisionKind.CONTINUE_HOLD,
                None,
                f"{prefix}: nothing was given to reduce; day 1 still waits "
                f"({self.hold_text()})",
                event,
                rule,
            )
            return
        self._decide(
            date,
            DecisionKind.CONTINUE,
            self.dose,
            f"{prefix}: nothing was given to reduce; no change",
            event,
            rule,
        )

    def _continue(self, event: AdverseEvent, rule: Rule, why: str) -> None:
        if self.holding:
            # A grade that would allow treatment does not end a hold started by a worse one.
            self._decide(
                event.date,
                DecisionKind.CONTINUE_HOLD,
                None,
                f"{why}; still on hold ({self.hold_text()})",
                event,
                rule,
            )
        else:
            self._decide(event.date, DecisionKind.CONTINUE, self.dose, why, event, rule)

    def _reduce(self, event: AdverseEvent, rule: Rule, why: str) -> None:
        date = event.date
        if self.holding or self._interrupted_at is not None:
            # During an interruption (even one whose last hold ended today): one reduction.
            base = self._interrupted_at if self._interrupted_at is not None else self.level
            if base + 1 >= len(self.levels):
                self._discontinue(
                    date, self._lowest(why, base), event, rule, source=self.label_source
                )
                return
            self._resume_lower = True
            self._decide(
                date,
                DecisionKind.CONTINUE_HOLD,
                None,
                f"{why}; during a hold: the drug resumes one level lower "
                "(one interruption, one reduction)",
                event,
                rule,
            )
            return
        if self._reduced_on == date:
            self._decide(
                date,
                DecisionKind.CONTINUE,
                self.dose,
                f"{why}; already reduced on this date (one step per date)",
                event,
                rule,
            )
            return
        if self.at_lowest:
            self._discontinue(date, self._lowest(why), event, rule, source=self.label_source)
            return
        before = self.dose
        self._level_before_reduce = self.level
        self.level += 1
        self._reduced_on = date
        self._decide(date, DecisionKind.REDUCE, self.dose, why, event, rule, before=before)

    def _hold(self, event: AdverseEvent, rule: Rule, why: str) -> None:
        date = event.date
        base = self._interrupted_at if self._interrupted_at is not None else self.level
        if self._interrupted_at is None and self._reduced_on == date:
            base = self._level_before_reduce
        if rule.resume is Resume.LOWER and base + 1 >= len(self.levels):
            # Resuming one level lower is impossible at the lowest level: stop now, not later.
            self._discontinue(date, self._lowest(why, base), event, rule, source=self.label_source)
            return
        key = rule.condition(event)
        if key in self.holds:
            self.holds[key].seen = date
            self._decide(
                date,
                DecisionKind.CONTINUE_HOLD,
                None,
                f"{why}; already on hold for this since {self.holds[key].start.isoformat()}",
                event,
                rule,
            )
            if rule.resume is Resume.LOWER:
                self._resume_lower = True
            return
        joins = self._interrupted_at is not None
        if not joins:
            self._interrupted_at = self.level
            self._resume_lower = False
            if self._reduced_on == date:
                # Reduced earlier today: the reduction and this hold are one step.
                self._interrupted_at = self._level_before_reduce
                self._resume_lower = True
        if rule.resume is Resume.LOWER:
            self._resume_lower = True
        assert rule.until_grade is not None  # noqa: S101 - a hold rule has one
        self.holds[key] = _Hold(rule, date, event, rule.until_grade, rule.max_hold_days)
        reason = why
        if joins:
            reason += (
                "; joins the hold already in force (one interruption: at most one level lower "
                "on resumption)"
            )
        self._decide(date, DecisionKind.HOLD, None, reason, event, rule)

    # -- end of a day -------------------------------------------------------------------------

    def settle(self, date: dt.date) -> None:
        """End-of-day step: a maximum hold reached today discontinues; when the last hold of an
        interruption ended today, the drug resumes (at most one level lower)."""
        if not self.active:
            return
        for hold in list(self.holds.values()):
            if hold.limit is not None and (date - hold.start).days >= hold.limit:
                why = (
                    f"no recovery row for {hold.event.term} (grade {hold.until} or lower) by "
                    f"{date.isoformat()} ({hold.limit} d after the hold began on "
                    f"{hold.start.isoformat()}): discontinued under the rule "
                    f"{_rule_text(hold.rule)}, as the log stands"
                )
                self._discontinue(date, why, hold.event, hold.rule)
                return
        if not self._recovered:
            return
        recovered, self._recovered = self._recovered, []
        if self.holds:
            # Some holds remain: each recovery row is recorded where it came in the log.
            for hold, event, at in reversed(recovered):
                self._decide(
                    date,
                    DecisionKind.CONTINUE_HOLD,
                    None,
                    f"{event.describe()}: recovered to grade {hold.until} or lower from "
                    f"{hold.event.describe()}; still on hold ({self.hold_text()})",
                    event,
                    hold.rule,
                )
                self.decisions.insert(at, self.decisions.pop())
            return
        hold, event, at = recovered[-1]
        for earlier, row, place in reversed(recovered[:-1]):
            self._decide(
                date,
                DecisionKind.CONTINUE_HOLD,
                None,
                f"{row.describe()}: recovered to grade {earlier.until} or lower from "
                f"{earlier.event.describe()}; the interruption ends with the last hold",
                row,
                earlier.rule,
            )
            self.decisions.insert(place, self.decisions.pop())
            at += 1
        first = min(h.start for h, _, _ in recovered)
        days = (date - first).days
        why = (
            f"{event.describe()}: recovered to grade {hold.until} or lower after {days} d on "
            f"hold; {_rule_text(hold.rule)}"
        )
        if not self.started:
            self._decide(
                date,
                DecisionKind.RESUME,
                self.dose,
                f"{why}; before the first dose: the course starts at its start dose",
                event,
                hold.rule,
            )
        else:
            base = self._interrupted_at if self._interrupted_at is not None else self.level
            before = self.dose
            if self._resume_lower:
                self.level = base + 1
                why += "; one level lower"
            if len(recovered) > 1 or self._resume_lower:
                why += " (one interruption: at most one level lower)"
            self._decide(date, DecisionKind.RESUME, self.dose, why, event, hold.rule, before=before)
        self.decisions.insert(at, self.decisions.pop())
        self._interrupted_at = None

    # -- used by the calendar engine ----------------------------------------------------------

    def hold_text(self) -> str:
        """The holds in force, for reasons: ``Epistaxis grade 2 since 2022-01-07, until grade 1
        or lower``."""
        return "; ".join(
            f"{h.event.term} grade {h.event.grade} since {h.start.isoformat()}, until grade "
            f"{h.until} or lower"
            for h in self.holds.values()
        )

    @property
    def hold_deadline(self) -> dt.date | None:
        """The earliest date a maximum hold in force runs out, if any."""
        dates = [h.start + dt.timedelta(days=h.limit) for h in self.holds.values() if h.limit]
        return min(dates) if dates else None

    @property
    def hold_can_end(self) -> bool:
        """Whether a hold in force will end by itself (a maximum hold discontinues)."""
        return any(h.limit is not None for h in self.holds.values())

    def waiting(self, planned: dt.date, cycle: int) -> None:
        """Record that cycle ``cycle`` cannot start until the AE log shows recovery."""
        self._decide(
            planned,
            DecisionKind.WAITING,
            None,
            f"cycle {cycle} day 1 (planned {planned.isoformat()}) waits for recovery "
            f"({self.hold_text()}); no later cycles are laid out until the AE log shows it",
        )

    def delay(self, planned: dt.date, actual: dt.date, cycle: int, holds: str) -> None:
        """Record that cycle ``cycle`` day 1 moved because a hold was still in force."""
        self._decide(
            actual,
            DecisionKind.DELAY,
            self.dose,
            f"cycle {cycle} day 1 moved from {planned.isoformat()} to {actual.isoformat()}: "
            f"on hold on the planned day 1 ({holds})",
        )

    def no_effect(self, event: AdverseEvent, why: str) -> None:
        """Record a row that cannot change the plan (e.g. after the course ended)."""
        self.decisions.append(
            Decision(
                event.date,
                self.course,
                DecisionKind.NO_EFFECT,
                None,
                None,
                f"{event.describe()}: {why}: no effect on the plan",
                event,
            )
        )
