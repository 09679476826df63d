"""regimen.modification: rules, AE rows and the DoseState replay, against the module's semantics.

Every expectation below follows the regimen.modification docstring (hold on the AE row's date,
resume on the recovery row's date, no re-escalation, stop below the lowest level or when
resuming one level lower at it, a maximum hold of N days ends on hold start + N days with a
recovery row on that day still counting, a specific term beats ``any``) or the rules of the
bundled regimen ``regimens/anlotinib-sts.toml``: anlotinib 12 / 10 / 8 mg (label); bleeding
grade 1 continue, grade 2 hold until grade <= 1 then one level lower, at most 14 d, grade 3-4
stop (2023 Chinese expert consensus); any other AE grade 1-2 continue, grade 3 hold until
grade <= 1 then one level lower, grade 4-5 stop (local policy). Pembrolizumab in
``regimens/anlotinib-pembrolizumab.toml`` has one level (100 mg) and resumes at the same dose.
See docs/testing.md for the mutation score these tests reach.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest

from regimen.drugs import DrugCourse
from regimen.errors import InputError
from regimen.loading import load_regimen
from regimen.modification import (
    MAX_GRADE,
    Action,
    AdverseEvent,
    DoseState,
    Resume,
    Rule,
    has_rule_for_term,
    select_rule,
)
from regimen.sources import Source, SourceKind
from regimen.terms import ANY, resolve
from regimen.units import quantity

LOCAL = Source("local", SourceKind.LOCAL, "Local department policy", title="local policy")
OTHER = Source("other", SourceKind.PROTOCOL, "A study protocol")  # no title: short() uses key
D0 = dt.date(2024, 3, 4)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def mg(value: float):
    return quantity(value, "mg")


@cache
def anlotinib() -> DrugCourse:
    course = load_regimen("anlotinib-sts").course("anlotinib")
    assert isinstance(course, DrugCourse)
    return course


@cache
def pembrolizumab() -> DrugCourse:
    course = load_regimen("anlotinib-pembrolizumab").course("pembrolizumab")
    assert isinstance(course, DrugCourse)
    return course


def ae(n: int, term: str, grade: int) -> AdverseEvent:
    return AdverseEvent(day(n), term, grade, resolve(term))


def state_of(course: DrugCourse, level: int = 0) -> DoseState:
    return DoseState(course.id, course.dose_levels, level, course.rules, course.label_source)


def custom_state(*rules: Rule, levels=(12, 10, 8), label: Source | None = None) -> DoseState:
    return DoseState("drug", tuple(mg(v) for v in levels), 0, rules, label)


def actions(state: DoseState) -> list[tuple[dt.date, str]]:
    return [(d.date, d.action) for d in state.decisions]


def hold_rule(term: str = ANY, grades=(3, 3), until: int = 1, resume=Resume.LOWER, max_hold=None):
    return Rule(term, grades[0], grades[1], Action.HOLD, LOCAL, until, resume, max_hold)


# ---------------------------------------------------------------------------------------------
# Rule: what a valid rule is


@pytest.mark.parametrize(("low", "high"), [(3, 2), (-1, 2), (4, 6), (6, 6)])
def test_grades_must_run_low_to_high_within_0_to_5(low, high):
    with pytest.raises(InputError) as err:
        Rule("Hypertension", low, high, Action.CONTINUE, LOCAL)
    assert str(err.value) == f"grades must run from low to high within 0-5, got {low}-{high}"


@pytest.mark.parametrize(("low", "high"), [(0, 0), (0, 5), (5, 5), (2, 2)])
def test_grade_range_bounds_are_inclusive(low, high):
    rule = Rule("Hypertension", low, high, Action.CONTINUE, LOCAL)
    assert rule.matches("Hypertension", low) and rule.matches("Hypertension", high)
    assert MAX_GRADE == 5  # CTCAE grades 0-5


@pytest.mark.parametrize(("until", "resume"), [(None, Resume.SAME), (1, None), (None, None)])
def test_a_hold_needs_until_grade_and_resume(until, resume):
    with pytest.raises(InputError) as err:
        Rule(ANY, 3, 3, Action.HOLD, LOCAL, until_grade=until, resume=resume)
    assert str(err.value) == "a hold rule needs until_grade and resume"


@pytest.mark.parametrize(
    "extra",
    [{"until_grade": 1}, {"resume": Resume.SAME}, {"max_hold_days": 14}],
)
@pytest.mark.parametrize("action", [Action.CONTINUE, Action.REDUCE, Action.DISCONTINUE])
def test_hold_fields_only_apply_to_hold_rules(action, extra):
    with pytest.raises(InputError) as err:
        Rule(ANY, 3, 3, action, LOCAL, **extra)
    assert str(err.value) == "until_grade, resume and max_hold apply only to hold rules"


def test_until_grade_must_be_below_the_grades_that_start_the_hold():
    with pytest.raises(InputError) as err:
        hold_rule(grades=(2, 3), until=2)
    assert str(err.value) == ("until_grade (2) must be below the grades that start the hold (2)")
    assert hold_rule(grades=(2, 3), until=1).until_grade == 1


@pytest.mark.parametrize("days", [0, -14])
def test_max_hold_must_be_at_least_one_day(days):
    with pytest.raises(InputError) as err:
        hold_rule(max_hold=days)
    assert str(err.value) == f"max_hold must be at least 1 d, got {days} d"


def test_max_hold_of_one_day_is_allowed():
    assert hold_rule(max_hold=1).max_hold_days == 1


# ---------------------------------------------------------------------------------------------
# Rule: matching and wording


def test_specific_rule_matches_its_term_within_its_grades_only():
    rule = Rule("Hemorrhage", 3, 4, Action.DISCONTINUE, LOCAL)
    assert rule.matches("Hemorrhage", 3) and rule.matches("Hemorrhage", 4)
    assert not rule.matches("Hemorrhage", 2) and not rule.matches("Hemorrhage", 5)
    assert not rule.matches("Hypertension", 3)
    assert not rule.matches(None, 3)  # an unknown term only an ``any`` rule can match


def test_any_rule_matches_every_term_including_unknown_ones():
    rule = Rule(ANY, 1, 2, Action.CONTINUE, LOCAL)
    assert rule.matches("Hemorrhage", 1) and rule.matches(None, 2)
    assert not rule.matches(None, 3) and not rule.matches("Hemorrhage", 0)


def test_grades_text():
    assert Rule(ANY, 2, 2, Action.CONTINUE, LOCAL).grades_text == "grade 2"
    assert Rule(ANY, 3, 4, Action.CONTINUE, LOCAL).grades_text == "grade 3-4"


def test_describe_the_bundled_anlotinib_rules():
    # The first line is the docstring's own example of Rule.describe.
    assert [r.describe() for r in anlotinib().rules] == [
        "Hemorrhage grade 1: continue",
        "Hemorrhage grade 2: hold until grade <= 1, then resume one level lower "
        "(discontinue if not recovered within 14 d)",
        "Hemorrhage grade 3-4: discontinue",
        "any adverse event grade 1-2: continue",
        "any adverse event grade 3: hold until grade <= 1, then resume one level lower",
        "any adverse event grade 4-5: discontinue",
    ]


def test_describe_resume_at_the_same_dose_and_reduce():
    assert pembrolizumab().rules[0].describe() == (
        "any adverse event grade 3: hold until grade <= 1, then resume at the same dose"
    )
    reduce = Rule("Hypertension", 3, 3, Action.REDUCE, LOCAL)
    assert reduce.describe() == "Hypertension grade 3: reduce one dose level"


# ---------------------------------------------------------------------------------------------
# AE rows


@pytest.mark.parametrize("grade", [-1, 6])
def test_ae_grade_must_be_0_to_5(grade):
    with pytest.raises(InputError) as err:
        AdverseEvent(D0, "bleeding", grade)
    assert str(err.value) == f"grade must be 0-5, got {grade}"


@pytest.mark.parametrize("grade", [0, 5])
def test_ae_grade_bounds_are_accepted(grade):
    assert AdverseEvent(D0, "bleeding", grade).grade == grade


def test_ae_key_pairs_a_hold_with_its_recovery():
    # Synonyms resolve to one CTCAE term; unknown terms pair by their normalised text.
    assert ae(0, "haemoptysis", 2).key == ae(1, "epistaxis", 1).key == "Hemorrhage"
    assert AdverseEvent(D0, "  Odd Rash ", 3).key == "odd rash"


# ---------------------------------------------------------------------------------------------
# Choosing a rule


def test_specific_term_beats_any_whatever_the_file_order():
    generic = Rule(ANY, 2, 2, Action.CONTINUE, LOCAL)
    specific = hold_rule("Hemorrhage", grades=(2, 2))
    event = ae(0, "bleeding", 2)
    assert select_rule([generic, specific], event) is specific
    assert select_rule([specific, generic], event) is specific


def test_first_rule_in_file_order_wins_among_equals():
    first = Rule(ANY, 2, 3, Action.CONTINUE, LOCAL)
    second = Rule(ANY, 2, 2, Action.DISCONTINUE, LOCAL)
    assert select_rule([first, second], ae(0, "rash", 2)) is first
    s1 = Rule("Hemorrhage", 2, 2, Action.CONTINUE, LOCAL)
    s2 = Rule("Hemorrhage", 1, 3, Action.DISCONTINUE, LOCAL)
    assert select_rule([s1, s2], ae(0, "bleeding", 2)) is s1


def test_no_rule_for_the_grade_or_term():
    rules = [Rule("Hemorrhage", 3, 4, Action.DISCONTINUE, LOCAL)]
    assert select_rule(rules, ae(0, "bleeding", 2)) is None
    assert select_rule(rules, ae(0, "hypertension", 3)) is None
    # Bundled anlotinib: an unknown term falls to the ``any`` rules.
    unknown = AdverseEvent(D0, "odd rash", 3)
    assert select_rule(anlotinib().rules, unknown) is anlotinib().rules[4]


def test_has_rule_for_term():
    specific = [Rule("Hemorrhage", 3, 4, Action.DISCONTINUE, LOCAL)]
    assert has_rule_for_term(specific, ae(0, "bleeding", 1))  # any grade of the term counts
    assert not has_rule_for_term(specific, ae(0, "hypertension", 3))
    assert not has_rule_for_term(specific, AdverseEvent(D0, "odd rash", 3))
    assert has_rule_for_term([Rule(ANY, 4, 5, Action.DISCONTINUE, LOCAL)], ae(0, "rash", 1))
    assert not has_rule_for_term([], ae(0, "bleeding", 1))


# ---------------------------------------------------------------------------------------------
# DoseState: the bundled anlotinib rules, row by row


def test_fresh_state_gives_the_starting_level():
    s = state_of(anlotinib())
    assert s.dose == mg(12) and not s.holding and s.active and s.decisions == []
    assert state_of(anlotinib(), level=2).dose == mg(8)


def test_bleeding_grade_1_continues_at_the_same_dose():
    s = state_of(anlotinib())
    s.apply(ae(0, "gum bleeding", 1))
    (d,) = s.decisions
    assert (d.date, d.course, d.action) == (D0, "anlotinib", "continue")
    assert d.dose_before == d.dose_after == mg(12)
    assert d.event == ae(0, "gum bleeding", 1)
    assert d.rule is anlotinib().rules[0] and d.source.key == "consensus2023"
    assert d.reason == (
        "gum bleeding grade 1 on 2024-03-04: Hemorrhage grade 1: continue "
        "(source: Chinese expert consensus 2023 [consensus])"
    )


def test_bleeding_grade_2_holds_then_resumes_one_level_lower_on_the_recovery_row():
    s = state_of(anlotinib())
    s.apply(ae(0, "bleeding", 2))
    assert s.holding and s.active
    hold = s.decisions[-1]
    assert (hold.action, hold.dose_before, hold.dose_after) == ("hold", mg(12), None)
    assert hold.event == ae(0, "bleeding", 2) and hold.source.key == "consensus2023"
    assert hold.reason == (
        "bleeding grade 2 on 2024-03-04: Hemorrhage grade 2: hold until grade <= 1, then "
        "resume one level lower (discontinue if not recovered within 14 d) (source: Chinese "
        "expert consensus 2023 [consensus])"
    )
    s.apply(ae(5, "bleeding", 1))
    assert not s.holding and s.dose == mg(10)
    resume = s.decisions[-1]
    assert (resume.date, resume.action) == (day(5), "resume")
    assert (resume.dose_before, resume.dose_after) == (mg(12), mg(10))
    assert resume.rule is anlotinib().rules[1] and resume.event == ae(5, "bleeding", 1)
    assert resume.reason == (
        "bleeding grade 1 on 2024-03-09: recovered to grade <= 1 after 5 d on hold; "
        "Hemorrhage grade 2: hold until grade <= 1, then resume one level lower (discontinue "
        "if not recovered within 14 d) (source: Chinese expert consensus 2023 [consensus])"
    )


def test_an_unchanged_grade_during_a_hold_keeps_the_hold():
    s = state_of(anlotinib())
    s.apply(ae(0, "bleeding", 2))
    s.apply(ae(3, "bleeding", 2))
    assert s.holding and s.dose == mg(12)
    d = s.decisions[-1]
    assert (d.date, d.action, d.dose_before, d.dose_after) == (
        day(3),
        "continue hold",
        mg(12),
        None,
    )
    assert d.source.key == "consensus2023" and d.event == ae(3, "bleeding", 2)
    assert d.reason == (
        "bleeding grade 2 on 2024-03-07: Hemorrhage grade 2: hold until grade <= 1, then "
        "resume one level lower (discontinue if not recovered within 14 d) (source: Chinese "
        "expert consensus 2023 [consensus])"
    )


def test_recovery_must_be_of_the_held_term():
    s = state_of(anlotinib())
    s.apply(ae(0, "bleeding", 2))
    s.apply(ae(2, "hypertension", 0))  # no rule for grade 0: nothing to decide
    assert s.holding and actions(s) == [(D0, "hold")]


def test_worse_bleeding_during_a_hold_discontinues_and_ends_the_hold():
    s = state_of(anlotinib())
    s.apply(ae(0, "bleeding", 2))
    s.apply(ae(3, "bleeding", 3))
    assert s.discontinued_on == day(3) and not s.active and not s.holding
    d = s.decisions[-1]
    assert (d.action, d.dose_before, d.dose_after) == ("discontinue", mg(12), None)
    assert d.source.key == "consensus2023" and d.event == ae(3, "bleeding", 3)
    assert d.reason == (
        "bleeding grade 3 on 2024-03-07: Hemorrhage grade 3-4: discontinue "
        "(source: Chinese expert consensus 2023 [consensus])"
    )
    # Nothing after discontinuation changes anything.
    s.apply(ae(4, "bleeding", 1))
    s.settle(day(30))
    assert actions(s) == [(D0, "hold"), (day(3), "discontinue")]


def test_max_hold_discontinues_on_hold_start_plus_14_days():
    s = state_of(anlotinib())
    s.apply(ae(0, "bleeding", 2))
    for n in range(14):
        s.settle(day(n))
    assert s.active and s.holding
    s.settle(day(14))
    assert s.discontinued_on == day(14) and not s.holding
    d = s.decisions[-1]
    assert (d.action, d.dose_before, d.dose_after, d.event) == (
        "discontinue",
        mg(12),
        None,
        ae(0, "bleeding", 2),
    )
    assert d.rule is anlotinib().rules[1] and d.source.key == "consensus2023"
    assert d.reason == (
        "bleeding grade 2 on 2024-03-04: not recovered to grade <= 1 within 14 d "
        "(Hemorrhage grade 2: hold until grade <= 1, then resume one level lower (discontinue "
        "if not recovered within 14 d); source: Chinese expert consensus 2023 [consensus])"
    )


def test_recovery_row_on_the_last_day_of_the_max_hold_still_counts():
    s = state_of(anlotinib())
    s.apply(ae(0, "bleeding", 2))
    s.apply(ae(14, "bleeding", 1))  # rows are applied before the day's end-of-day tick
    s.settle(day(14))
    assert s.active and s.dose == mg(10)
    assert actions(s) == [(D0, "hold"), (day(14), "resume")]


def test_a_hold_without_max_hold_never_ends_by_itself():
    s = state_of(anlotinib())
    assert not s.hold_can_end  # no hold at all
    s.apply(ae(0, "hand-foot skin reaction", 3))
    s.settle(day(365))
    assert s.active and s.holding and not s.hold_can_end
    s.apply(ae(1, "bleeding", 2))
    assert s.hold_can_end  # the bleeding hold has a 14 d maximum


def test_resume_one_level_lower_at_the_lowest_level_discontinues_citing_the_label():
    s = state_of(anlotinib(), level=2)
    s.apply(ae(0, "hand-foot skin reaction", 3))
    s.apply(ae(7, "HFSR", 1))
    assert s.discontinued_on == day(7)
    d = s.decisions[-1]
    assert (d.action, d.dose_before, d.dose_after) == ("discontinue", mg(8), None)
    assert d.rule is anlotinib().rules[4] and d.event == ae(7, "HFSR", 1)
    assert d.source.key == "label"  # the label, not the local rule, says to stop
    assert d.reason == (
        "HFSR grade 1 on 2024-03-11: recovered to grade <= 1 after 7 d on hold; any adverse "
        "event grade 3: hold until grade <= 1, then resume one level lower (source: local "
        "policy, not the label [local]); 8 mg is the lowest dose level: discontinue "
        "permanently if the lowest dose is not tolerated (source: anlotinib label [label])"
    )


def test_two_holds_resume_only_when_both_recover():
    # Bleeding grade 2 and HFSR grade 3 overlap; each resumes one level lower.
    s = state_of(anlotinib())
    s.apply(ae(0, "bleeding", 2))
    s.apply(ae(1, "HFSR", 3))
    s.apply(ae(3, "bleeding", 1))
    assert s.holding and s.dose == mg(10)  # still held for HFSR, already one level lower
    d = s.decisions[-1]
    assert (d.date, d.action, d.dose_before, d.dose_after) == (day(3), "reduce", mg(12), mg(10))
    assert d.event == ae(3, "bleeding", 1) and d.rule is anlotinib().rules[1]
    assert d.reason.startswith(
        "bleeding grade 1 on 2024-03-07: recovered to grade <= 1 after 3 d on hold; "
    )
    s.apply(ae(6, "HFSR", 0))
    assert not s.holding and s.dose == mg(8)
    d = s.decisions[-1]
    assert (d.date, d.action, d.dose_before, d.dose_after) == (day(6), "resume", mg(10), mg(8))


def test_two_same_dose_holds_record_one_resume_when_the_last_recovers():
    # Pembrolizumab resumes at the same dose: the first recovery changes nothing to record.
    s = state_of(pembrolizumab())
    s.apply(ae(0, "diarrhoea", 3))
    s.apply(ae(1, "rash", 3))
    s.apply(ae(4, "diarrhoea", 1))
    assert s.holding and actions(s) == [(D0, "hold"), (day(1), "hold")]
    s.apply(ae(6, "rash", 0))
    assert not s.holding and s.dose == mg(100)
    d = s.decisions[-1]
    assert (d.action, d.dose_before, d.dose_after) == ("resume", mg(100), mg(100))


def test_two_max_holds_expiring_together_discontinue_once():
    bleeding = hold_rule("Hemorrhage", grades=(2, 2), max_hold=7)
    rash = hold_rule("Rash maculo-papular", grades=(3, 3), max_hold=7)
    s = custom_state(bleeding, rash)
    s.apply(ae(0, "bleeding", 2))
    s.apply(ae(0, "rash", 3))
    s.settle(day(7))
    assert actions(s) == [(D0, "hold"), (D0, "hold"), (day(7), "discontinue")]


def test_lowest_level_grade_4_discontinues_citing_the_rule():
    s = state_of(anlotinib())
    s.apply(ae(0, "hypertension", 4))
    d = s.decisions[-1]
    assert (d.action, d.source.key, s.discontinued_on) == ("discontinue", "local", D0)


# ---------------------------------------------------------------------------------------------
# DoseState: reduce rules and rules written for the edge cases


def test_reduce_steps_down_one_level_then_stops_below_the_lowest():
    s = custom_state(Rule("Hypertension", 3, 3, Action.REDUCE, LOCAL), label=OTHER)
    s.apply(ae(0, "hypertension", 3))
    s.apply(ae(1, "HTN", 3))
    assert s.dose == mg(8) and s.active
    rule = s.rules[0]
    assert [(d.date, d.action, d.dose_before, d.dose_after, d.rule) for d in s.decisions] == [
        (D0, "reduce", mg(12), mg(10), rule),
        (day(1), "reduce", mg(10), mg(8), rule),
    ]
    assert [d.event for d in s.decisions] == [ae(0, "hypertension", 3), ae(1, "HTN", 3)]
    assert s.decisions[0].reason == (
        "hypertension grade 3 on 2024-03-04: Hypertension grade 3: reduce one dose level "
        "(source: local policy [local])"
    )
    s.apply(ae(2, "hypertension", 3))
    d = s.decisions[-1]
    assert (d.date, d.action, d.dose_before, d.dose_after) == (day(2), "discontinue", mg(8), None)
    assert d.event == ae(2, "hypertension", 3) and d.rule is rule
    assert s.discontinued_on == day(2)
    assert d.source is OTHER  # the label source, whose short() falls back to its key
    assert d.reason.endswith(
        "8 mg is the lowest dose level: discontinue permanently if the lowest dose is not "
        "tolerated (source: other [protocol])"
    )


def test_without_a_label_source_the_rule_is_cited_at_the_lowest_level():
    s = custom_state(Rule("Hypertension", 3, 3, Action.REDUCE, LOCAL), levels=(5,))
    s.apply(ae(0, "hypertension", 3))
    d = s.decisions[-1]
    assert d.source is LOCAL
    assert d.reason == (
        "hypertension grade 3 on 2024-03-04: Hypertension grade 3: reduce one dose level "
        "(source: local policy [local]); 5 mg is the lowest dose level"
    )


def test_resume_lower_at_the_lowest_level_without_a_label_cites_the_rule():
    s = custom_state(hold_rule(), levels=(5,))
    s.apply(ae(0, "rash", 3))
    s.apply(ae(2, "rash", 1))
    d = s.decisions[-1]
    assert (d.action, d.source, s.discontinued_on) == ("discontinue", LOCAL, day(2))


def test_hold_until_grade_0_needs_full_resolution():
    s = custom_state(hold_rule(grades=(2, 3), until=0, resume=Resume.SAME))
    s.apply(ae(0, "rash", 2))
    s.apply(ae(3, "rash", 1))  # better, but not grade 0 (and no rule for grade 1)
    assert s.holding
    s.apply(ae(5, "rash", 0))
    assert not s.holding and s.dose == mg(12)
    assert actions(s) == [(D0, "hold"), (day(5), "resume")]


def test_an_event_without_a_rule_changes_nothing():
    s = custom_state(Rule("Hemorrhage", 3, 4, Action.DISCONTINUE, LOCAL))
    s.apply(ae(0, "hypertension", 4))
    s.apply(ae(1, "bleeding", 2))
    assert s.decisions == [] and s.active and s.dose == mg(12)


# ---------------------------------------------------------------------------------------------
# DoseState: calendar notes


def test_delay_records_the_moved_day_1_at_the_current_dose():
    s = state_of(anlotinib(), level=1)
    s.delay(day(21), day(25), 2)
    (d,) = s.decisions
    assert (d.date, d.course, d.action, d.dose_before, d.dose_after) == (
        day(25),
        "anlotinib",
        "delay",
        mg(10),
        mg(10),
    )
    assert (d.event, d.rule, d.source) == (None, None, None)
    assert d.reason == (
        "cycle 2 day 1 moved from 2024-03-25 to 2024-03-29: a hold was in force on the "
        "planned day 1"
    )


def test_waiting_names_every_open_hold():
    s = state_of(anlotinib())
    s.apply(ae(0, "HFSR", 3))
    s.apply(ae(2, "oral ulcer", 3))
    s.waiting(day(21), 2)
    d = s.decisions[-1]
    assert (d.date, d.action, d.dose_before, d.dose_after) == (day(21), "waiting", mg(12), None)
    assert (d.event, d.rule, d.source) == (None, None, None)
    assert d.reason == (
        "cycle 2 day 1 (planned 2024-03-25) waits for recovery to grade <= 1, grade <= 1 "
        "(HFSR grade 3 since 2024-03-04, oral ulcer grade 3 since 2024-03-06); no later "
        "cycles are laid out until the AE log shows it"
    )


def test_a_continue_rule_during_a_hold_keeps_the_hold():
    # local policy: hypertension grade 3 holds until grade <= 1; a grade 2 row matches the
    # 'grade 1-2 continue' rule but must not end (or be reported as breaking) the hold
    s = state_of(anlotinib())
    s.apply(ae(0, "hypertension", 3))
    s.apply(ae(2, "hypertension", 2))
    assert s.holding and s.dose == mg(12)
    d = s.decisions[-1]
    assert (d.date, d.action, d.dose_before, d.dose_after) == (
        day(2),
        "continue hold",
        mg(12),
        None,
    )
    assert d.event == ae(2, "hypertension", 2)
    assert d.rule is not None and d.rule.action is Action.CONTINUE
    assert d.source is not None and d.source.key == "local"
    assert d.reason == (
        "hypertension grade 2 on 2024-03-06: any adverse event grade 1-2: continue (source: "
        "local policy, not the label [local]); still on hold (hypertension hold until grade <= 1)"
    )
    # a second held term joins the explanation, in hold order
    s.apply(ae(3, "diarrhoea", 3))
    s.apply(ae(4, "fatigue", 1))
    assert s.decisions[-1].reason.endswith(
        "still on hold (hypertension hold until grade <= 1; diarrhoea hold until grade <= 1)"
    )
    s.apply(ae(5, "hypertension", 1))
    assert s.holding  # diarrhoea still holds
    s.apply(ae(6, "diarrhoea", 0))
    assert not s.holding


def test_waiting_records_the_cycle_and_the_open_holds():
    s = state_of(anlotinib())
    s.apply(ae(0, "hypertension", 3))
    assert not s.hold_can_end  # the local grade-3 hold has no maximum length
    s.waiting(day(21), 2)
    d = s.decisions[-1]
    assert (d.date, d.course, d.action, d.dose_before, d.dose_after) == (
        day(21),
        "anlotinib",
        "waiting",
        mg(12),
        None,
    )
    assert (d.event, d.rule, d.source) == (None, None, None)
    assert d.reason == (
        "cycle 2 day 1 (planned 2024-03-25) waits for recovery to grade <= 1 (hypertension "
        "grade 3 since 2024-03-04); no later cycles are laid out until the AE log shows it"
    )
    bleeding = state_of(anlotinib())
    bleeding.apply(ae(0, "bleeding", 2))
    assert bleeding.hold_can_end  # the consensus hold ends after 14 d at the latest
