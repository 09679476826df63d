"""regimen.modification: rules, AE rows and the DoseState replay, against the written semantics.

Every expectation below follows docs/dose-modification.md (hold on the AE row's date, resume on
the recovery row's date, no re-escalation, overlapping holds are one interruption resuming at
most one level lower, a reduction or a resume-one-level-lower hold at the lowest level stops the
drug on the AE date, a maximum hold of N days ends on hold start + N days with a recovery row on
that day still counting, a CTCAE-term rule beats a group rule beats ``any``, rows before the
first dose never change the dose, nothing vanishes) or the rules of the bundled regimen
``regimens/anlotinib-sts.toml``: anlotinib 12 / 10 / 8 mg (label); bleeding (the ``bleeding``
term group) grade 1 continue, grade 2 hold until grade <= 1 then one level lower, at most 14 d,
grade 3-4 stop (2023 Chinese expert consensus); any other AE grade 1-2 continue, grade 3 hold
until grade <= 1 then one level lower, grade 4-5 stop (local policy). Pembrolizumab in
``regimens/anlotinib-pembrolizumab.toml`` has one level (100 mg) and, for events its label
table does not list, a local grade-3 hold that resumes at the same dose.

A DoseState models a course whose first dose has been given (``started``) unless a test says
otherwise; the calendar engine calls :meth:`DoseState.settle` once per date after its rows, and
so do these tests. See docs/testing.md for the mutation score these tests reach.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from regimen.drugs import DrugCourse
from regimen.errors import InputError
from regimen.modification import (
    MAX_GRADE,
    Action,
    AdverseEvent,
    Decision,
    DecisionKind,
    DoseState,
    Resume,
    Rule,
    select_rule,
)
from regimen.sources import Source, SourceKind
from regimen.terms import ANY, RuleTarget, ctcae_terms, resolve
from tests.helpers import LOCAL, MON, ae, bundled_drug, day, mg

OTHER = Source("other", SourceKind.PROTOCOL, "A study protocol")  # no title: short() uses key

BLEEDING_HOLD = (
    "bleeding (any CTCAE bleeding term) grade 2: hold until grade 1 or lower, then resume one "
    "level lower (discontinue if not recovered within 14 d) (source: Chinese expert consensus "
    "2023 [consensus])"
)
LOCAL_HOLD = (
    "any adverse event grade 3: hold until grade 1 or lower, then resume one level lower "
    "(source: local policy, not the label [local])"
)
LOCAL_CONTINUE = (
    "any adverse event grade 1-2: continue (source: local policy, not the label [local])"
)
LABEL_STOP = (
    "8 mg is the lowest dose level: discontinue permanently if the lowest dose is not tolerated "
    "(source: anlotinib label [label])"
)


def anlotinib() -> DrugCourse:
    return bundled_drug("anlotinib-sts", "anlotinib")


def pembrolizumab() -> DrugCourse:
    return bundled_drug("anlotinib-pembrolizumab", "pembrolizumab")


def pembrolizumab_local_hold() -> Rule:
    """Pembrolizumab's local rule for events its label table does not list: grade 3 hold."""
    (rule,) = [r for r in pembrolizumab().rules if r.target.kind == ANY and r.action is Action.HOLD]
    return rule


def state_of(course: DrugCourse, level: int = 0, *, started: bool = True) -> DoseState:
    return DoseState(
        course.id, course.dose_levels, level, course.rules, course.label_source, started=started
    )


def custom_state(
    *rules: Rule, levels=(12, 10, 8), level: int = 0, label: Source | None = None, started=True
) -> DoseState:
    return DoseState("drug", tuple(mg(v) for v in levels), level, rules, label, started=started)


def replay(state: DoseState, *rows: AdverseEvent) -> DoseState:
    """Feed rows as the calendar engine does: each date's rows in order, then settle(date)."""
    for date in sorted({r.date for r in rows}):
        for row in rows:
            if row.date == date:
                state.apply(row)
        state.settle(date)
    return state


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
    assert rule.matches(ae(0, "Hypertension", low)) and rule.matches(ae(0, "Hypertension", high))
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


@pytest.mark.parametrize(
    ("written", "target"),
    [
        ("any", RuleTarget("any", "any")),
        ("ANY", RuleTarget("any", "any")),
        ("Epistaxis", RuleTarget("term", "Epistaxis")),
        ("nosebleed", RuleTarget("term", "Epistaxis")),  # a synonym names its CTCAE term
        ("bleeding", RuleTarget("group", "bleeding")),
        ("Hemorrhage", RuleTarget("group", "bleeding")),  # the old name is the group
    ],
)
def test_a_rule_target_is_a_term_a_group_or_any(written, target):
    assert Rule(written, 1, 1, Action.CONTINUE, LOCAL).target == target


def test_a_rule_for_an_unknown_term_is_refused():
    with pytest.raises(InputError) as err:
        Rule("wibble", 1, 1, Action.CONTINUE, LOCAL)
    assert str(err.value) == "unknown adverse-event term 'wibble' (use a CTCAE term or 'any')"


# ---------------------------------------------------------------------------------------------
# Rule: matching and wording


def test_group_rule_matches_every_bleeding_term_within_its_grades_only():
    rule = Rule("bleeding", 3, 4, Action.DISCONTINUE, LOCAL)
    for term in ("bleeding", "GI bleed", "epistaxis", "haemoptysis", "haematuria", "gum bleeding"):
        assert rule.matches(ae(0, term, 3)) and rule.matches(ae(0, term, 4)), term
    assert not rule.matches(ae(0, "bleeding", 2)) and not rule.matches(ae(0, "bleeding", 5))
    assert not rule.matches(ae(0, "hypertension", 3))


def test_term_rule_matches_its_term_and_its_synonyms_only():
    rule = Rule("Epistaxis", 2, 2, Action.CONTINUE, LOCAL)
    assert rule.matches(ae(0, "nosebleed", 2)) and rule.matches(ae(0, "EPISTAXIS", 2))
    assert not rule.matches(ae(0, "epistaxis", 3))
    assert not rule.matches(ae(0, "bleeding", 2))  # a bleed whose site is not given
    assert not rule.matches(ae(0, "haematuria", 2))


def test_any_rule_matches_every_term_and_unspecific_events():
    rule = Rule(ANY, 1, 2, Action.CONTINUE, LOCAL)
    assert rule.matches(ae(0, "bleeding", 1)) and rule.matches(ae(0, "rash", 2))
    assert not rule.matches(ae(0, "rash", 3)) and not rule.matches(ae(0, "bleeding", 0))


def test_grades_text():
    assert Rule(ANY, 2, 2, Action.CONTINUE, LOCAL).grades_text == "grade 2"
    assert Rule(ANY, 3, 4, Action.CONTINUE, LOCAL).grades_text == "grade 3-4"


def test_describe_the_bundled_anlotinib_rules():
    # The second line is the docstring's own example of Rule.describe.
    assert [r.describe() for r in anlotinib().rules] == [
        "bleeding (any CTCAE bleeding term) grade 1: continue",
        "bleeding (any CTCAE bleeding term) grade 2: hold until grade 1 or lower, then resume "
        "one level lower (discontinue if not recovered within 14 d)",
        "bleeding (any CTCAE bleeding term) grade 3-4: discontinue",
        "any adverse event grade 1-2: continue",
        "any adverse event grade 3: hold until grade 1 or lower, then resume one level lower",
        "any adverse event grade 4-5: discontinue",
    ]


def test_describe_resume_at_the_same_dose_and_reduce():
    assert pembrolizumab_local_hold().describe() == (
        "any adverse event grade 3: hold until grade 1 or lower, then resume at the same dose"
    )
    reduce = Rule("Hypertension", 3, 3, Action.REDUCE, LOCAL)
    assert reduce.describe() == "Hypertension grade 3: reduce one dose level"


# ---------------------------------------------------------------------------------------------
# AE rows


@pytest.mark.parametrize("grade", [-1, 6])
def test_ae_grade_must_be_0_to_5(grade):
    with pytest.raises(InputError) as err:
        ae(0, "bleeding", grade)
    assert str(err.value) == f"grade must be 0-5, got {grade}"


@pytest.mark.parametrize("grade", [0, 5])
def test_ae_grade_bounds_are_accepted(grade):
    assert ae(0, "bleeding", grade).grade == grade


def test_ae_rows_resolve_to_a_ctcae_term_or_an_unspecific_bleed():
    # new rule: "Hemorrhage" is no longer a CTCAE term; haemoptysis is CTCAE's Bronchopulmonary
    # hemorrhage, a member of the bleeding group (docs/dose-modification.md, "Terms")
    hemoptysis = ae(0, "haemoptysis", 2)
    assert hemoptysis.resolved.key == hemoptysis.ctcae_term == "Bronchopulmonary hemorrhage"
    assert hemoptysis.meddra_code == ctcae_terms()["Bronchopulmonary hemorrhage"].meddra_code
    assert hemoptysis.resolved.groups == {"bleeding"}
    # an unspecific bleed has no CTCAE term and no MedDRA code, and is in the bleeding group
    unspecific = ae(0, "GI bleed", 2)
    assert (unspecific.ctcae_term, unspecific.meddra_code) == (None, None)
    assert unspecific.resolved.key == "bleeding (site not given)"
    assert unspecific.resolved.groups == {"bleeding"}
    # matching ignores case, hyphens, underscores and repeated spaces
    hfsr = ae(0, "  Hand_foot  skin-REACTION ", 3)
    assert hfsr.ctcae_term == "Palmar-plantar erythrodysesthesia syndrome"
    assert hfsr.term == "  Hand_foot  skin-REACTION "  # kept as written


def test_ae_describe():
    row = AdverseEvent(day(3), "epistaxis", 2, resolve("epistaxis"), line=2)
    assert row.describe() == "epistaxis grade 2 on 2024-03-07 (line 2)"
    assert ae(3, "epistaxis", 2).describe() == "epistaxis grade 2 on 2024-03-07"


@pytest.mark.parametrize("kind", list(DecisionKind))
def test_a_decision_action_is_its_kind_as_a_word(kind):
    decision = Decision(MON, "drug", kind, None, None, "why")
    assert decision.action == kind.value
    assert decision.review == "" and decision.event is None


def test_decision_kinds_are_the_documented_words():
    assert [k.value for k in DecisionKind] == [
        "continue",
        "continue hold",
        "hold",
        "resume",
        "reduce",
        "discontinue",
        "delay",
        "waiting",
        "no rule",
        "no effect",
        "recorded",
        "lab: full dose",
        "lab: reduced dose",
        "lab: hold day",
        "lab: delay",
        "lab: waiting",
        "lab: discontinue",
        "lab: no result",
    ]


# ---------------------------------------------------------------------------------------------
# Choosing a rule


def test_term_beats_group_beats_any_whatever_the_file_order():
    generic = Rule(ANY, 2, 2, Action.CONTINUE, LOCAL)
    group = hold_rule("bleeding", grades=(2, 2))
    term = Rule("Epistaxis", 2, 2, Action.DISCONTINUE, LOCAL)
    for rules in itertools.permutations([generic, group, term]):
        assert select_rule(rules, ae(0, "nosebleed", 2)) is term
        assert select_rule(rules, ae(0, "haematuria", 2)) is group
        assert select_rule(rules, ae(0, "bleeding", 2)) is group  # site not given
        assert select_rule(rules, ae(0, "rash", 2)) is generic


def test_a_term_rule_whose_grades_do_not_cover_the_row_falls_to_the_group():
    term = Rule("Epistaxis", 2, 2, Action.DISCONTINUE, LOCAL)
    group = Rule("bleeding", 1, 3, Action.CONTINUE, LOCAL)
    assert select_rule([term, group], ae(0, "epistaxis", 3)) is group
    assert select_rule([term, group], ae(0, "epistaxis", 2)) is term


def test_first_rule_in_file_order_wins_among_equals():
    first = Rule(ANY, 2, 3, Action.CONTINUE, LOCAL)
    second = Rule(ANY, 2, 2, Action.DISCONTINUE, LOCAL)
    assert select_rule([first, second], ae(0, "rash", 2)) is first
    s1 = Rule("bleeding", 2, 2, Action.CONTINUE, LOCAL)
    s2 = Rule("bleeding", 1, 3, Action.DISCONTINUE, LOCAL)
    assert select_rule([s1, s2], ae(0, "bleeding", 2)) is s1


def test_no_rule_for_the_grade_or_term():
    rules = [Rule("bleeding", 3, 4, Action.DISCONTINUE, LOCAL)]
    assert select_rule(rules, ae(0, "bleeding", 2)) is None
    assert select_rule(rules, ae(0, "hypertension", 3)) is None
    # Bundled anlotinib: a bleed goes to the bleeding rules, anything else to the ``any`` rules.
    assert select_rule(anlotinib().rules, ae(0, "epistaxis", 3)) is anlotinib().rules[2]
    assert select_rule(anlotinib().rules, ae(0, "rash", 3)) is anlotinib().rules[4]


# ---------------------------------------------------------------------------------------------
# DoseState: the bundled anlotinib rules, row by row


def test_fresh_state_gives_the_starting_level():
    s = state_of(anlotinib())
    assert s.dose == mg(12) and not s.holding and s.active and s.decisions == []
    assert state_of(anlotinib(), level=2).dose == mg(8)
    course = anlotinib()
    assert not DoseState(course.id, course.dose_levels, 0, course.rules).started


def test_bleeding_grade_1_continues_at_the_same_dose():
    s = replay(state_of(anlotinib()), ae(0, "gum bleeding", 1))
    (d,) = s.decisions
    assert (d.date, d.course, d.action, d.kind) == (
        MON,
        "anlotinib",
        "continue",
        DecisionKind.CONTINUE,
    )
    assert d.dose_before == d.dose_after == mg(12)
    assert d.event == ae(0, "gum bleeding", 1)
    assert d.rule is anlotinib().rules[0] and d.source.key == "consensus2023"
    assert d.review == ""
    assert d.reason == (
        "gum bleeding grade 1 on 2024-03-04: bleeding (any CTCAE bleeding term) grade 1: "
        "continue (source: Chinese expert consensus 2023 [consensus])"
    )


def test_bleeding_grade_2_holds_then_resumes_one_level_lower_on_the_recovery_row():
    s = replay(state_of(anlotinib()), ae(0, "bleeding", 2))
    assert s.holding and s.active
    hold = s.decisions[-1]
    assert (hold.action, hold.dose_before, hold.dose_after) == ("hold", mg(12), None)
    assert hold.event == ae(0, "bleeding", 2) and hold.source.key == "consensus2023"
    assert hold.reason == f"bleeding grade 2 on 2024-03-04: {BLEEDING_HOLD}"
    assert s.dose == mg(12) and s.resume_dose == mg(10)
    replay(s, ae(5, "bleeding", 1))
    assert not s.holding and s.dose == mg(10)
    resume = s.decisions[-1]
    assert (resume.date, resume.action) == (day(5), "resume")
    assert (resume.dose_before, resume.dose_after) == (mg(12), mg(10))
    assert resume.rule is anlotinib().rules[1] and resume.event == ae(5, "bleeding", 1)
    assert resume.reason == (
        f"bleeding grade 1 on 2024-03-09: recovered to grade 1 or lower after 5 d on hold; "
        f"{BLEEDING_HOLD}; one level lower (one interruption: at most one level lower)"
    )
    assert actions(s) == [(MON, "hold"), (day(5), "resume")]


def test_a_bleed_held_under_the_bleeding_rule_ends_with_any_bleeding_row():
    # docs/dose-modification.md, "One drug course" 3: the same condition is the rule's group
    s = replay(state_of(anlotinib()), ae(0, "haemoptysis", 2), ae(4, "haematuria", 1))
    assert actions(s) == [(MON, "hold"), (day(4), "resume")]
    assert s.dose == mg(10) and not s.holding


def test_an_any_hold_ends_only_with_a_row_of_its_own_term():
    # docs/dose-modification.md, "One drug course" 3: for an ``any`` rule, the row's CTCAE term
    s = replay(state_of(anlotinib()), ae(0, "HFSR", 3), ae(2, "rash", 1))
    assert s.holding and actions(s) == [(MON, "hold"), (day(2), "continue hold")]
    replay(s, ae(4, "hand-foot skin reaction", 1))  # a synonym of the held term
    assert not s.holding and s.dose == mg(10)
    assert actions(s)[-1] == (day(4), "resume")


def test_an_unchanged_grade_during_a_hold_keeps_the_hold():
    s = replay(state_of(anlotinib()), ae(0, "bleeding", 2), ae(3, "bleeding", 2))
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
        f"bleeding grade 2 on 2024-03-07: {BLEEDING_HOLD}; already on hold for this since "
        "2024-03-04"
    )


def test_recovery_must_be_of_the_held_term():
    s = replay(state_of(anlotinib()), ae(0, "bleeding", 2), ae(2, "hypertension", 0))
    # new rule: nothing vanishes; a grade 0 row that ends no hold is recorded, during a hold as
    # continue hold (docs/dose-modification.md, "Nothing vanishes"; "One drug course" 1)
    assert s.holding and actions(s) == [(MON, "hold"), (day(2), "continue hold")]
    d = s.decisions[-1]
    assert (d.dose_before, d.dose_after, d.rule, d.review) == (mg(12), None, None, "")
    assert d.reason == (
        "hypertension grade 0 on 2024-03-06: resolved (grade 0) and no hold to end: nothing "
        "to change"
    )


def test_a_grade_0_row_that_ends_no_hold_is_recorded_as_continue():
    s = replay(state_of(anlotinib()), ae(0, "hypertension", 0))
    (d,) = s.decisions
    assert (d.action, d.dose_before, d.dose_after, d.review) == ("continue", mg(12), mg(12), "")
    assert (d.event, d.rule, d.source) == (ae(0, "hypertension", 0), None, None)


def test_worse_bleeding_during_a_hold_discontinues_and_ends_the_hold():
    s = replay(state_of(anlotinib()), ae(0, "bleeding", 2), ae(3, "bleeding", 3))
    assert s.discontinued_on == day(3) and not s.active and not s.holding
    d = s.decisions[-1]
    assert (d.action, d.dose_before, d.dose_after) == ("discontinue", mg(12), None)
    assert d.source.key == "consensus2023" and d.event == ae(3, "bleeding", 3)
    assert d.reason == (
        "bleeding grade 3 on 2024-03-07: bleeding (any CTCAE bleeding term) grade 3-4: "
        "discontinue (source: Chinese expert consensus 2023 [consensus])"
    )
    # new rule: a row after discontinuation is listed as no effect, and changes nothing
    # (docs/dose-modification.md, "Nothing vanishes")
    replay(s, ae(4, "bleeding", 1))
    s.settle(day(30))
    assert actions(s) == [(MON, "hold"), (day(3), "discontinue"), (day(4), "no effect")]
    d = s.decisions[-1]
    assert (d.dose_before, d.dose_after, d.rule, d.source, d.review) == (None, None, None, None, "")
    assert d.event == ae(4, "bleeding", 1)
    assert d.reason == (
        "bleeding grade 1 on 2024-03-08: after discontinuation on 2024-03-07: no effect on the plan"
    )
    assert s.discontinued_on == day(3)


def test_max_hold_discontinues_on_hold_start_plus_14_days():
    s = state_of(anlotinib())
    s.apply(ae(0, "bleeding", 2))
    for n in range(14):
        s.settle(day(n))
    assert s.active and s.holding
    s.settle(day(14))
    assert s.discontinued_on == day(14) and not s.holding
    d = s.decisions[-1]
    assert (d.date, d.action, d.dose_before, d.dose_after, d.event) == (
        day(14),
        "discontinue",
        mg(12),
        None,
        ae(0, "bleeding", 2),
    )
    assert d.rule is anlotinib().rules[1] and d.source.key == "consensus2023"
    # docs/dose-modification.md, "One drug course" 3: the decision says it rests on the
    # absence of a row
    assert d.reason == (
        "no recovery row for bleeding (grade 1 or lower) by 2024-03-18 (14 d after the hold "
        f"began on 2024-03-04): discontinued under the rule {BLEEDING_HOLD}, as the log stands"
    )


def test_recovery_row_on_the_last_day_of_the_max_hold_still_counts():
    s = replay(state_of(anlotinib()), ae(0, "bleeding", 2), ae(14, "bleeding", 1))
    assert s.active and s.dose == mg(10)
    assert actions(s) == [(MON, "hold"), (day(14), "resume")]


def test_a_hold_without_max_hold_never_ends_by_itself():
    s = state_of(anlotinib())
    assert not s.hold_can_end  # no hold at all
    replay(s, ae(0, "hand-foot skin reaction", 3))
    s.settle(day(365))
    assert s.active and s.holding and not s.hold_can_end
    other = replay(state_of(anlotinib()), ae(0, "hand-foot skin reaction", 3), ae(1, "bleeding", 2))
    assert other.hold_can_end  # the bleeding hold has a 14 d maximum


def test_a_resume_lower_hold_at_the_lowest_level_discontinues_on_the_ae_date_citing_the_label():
    s = replay(state_of(anlotinib(), level=2), ae(0, "hand-foot skin reaction", 3))
    # new rule: a hold whose rule says resume lower that fires at the lowest level discontinues
    # the drug on the AE date; no hold starts (docs/dose-modification.md, "One drug course" 3)
    assert s.discontinued_on == MON and not s.holding
    (d,) = s.decisions
    assert (d.date, d.action, d.dose_before, d.dose_after) == (MON, "discontinue", mg(8), None)
    assert d.rule is anlotinib().rules[4] and d.event == ae(0, "hand-foot skin reaction", 3)
    assert d.source.key == "label"  # the label, not the local rule, says to stop
    assert d.reason == f"hand-foot skin reaction grade 3 on 2024-03-04: {LOCAL_HOLD}; {LABEL_STOP}"
    replay(s, ae(7, "HFSR", 1))
    assert actions(s) == [(MON, "discontinue"), (day(7), "no effect")]


def test_two_overlapping_holds_are_one_interruption_and_one_level_lower():
    # Bleeding grade 2 and HFSR grade 3 overlap; each rule says resume one level lower.
    s = replay(state_of(anlotinib()), ae(0, "bleeding", 2), ae(1, "HFSR", 3), ae(3, "bleeding", 1))
    # new rule: overlapping holds are one interruption; the drug resumes only when the last
    # ends, at most one level lower (docs/dose-modification.md, "One drug course" 3)
    assert s.holding and s.dose == mg(12) and s.resume_dose == mg(10)
    assert actions(s) == [(MON, "hold"), (day(1), "hold"), (day(3), "continue hold")]
    d = s.decisions[-1]
    assert (d.dose_before, d.dose_after) == (mg(12), None)
    assert d.event == ae(3, "bleeding", 1) and d.rule is anlotinib().rules[1]
    assert d.reason == (
        "bleeding grade 1 on 2024-03-07: recovered to grade 1 or lower from bleeding grade 2 on "
        "2024-03-04; still on hold (HFSR grade 3 since 2024-03-05, until grade 1 or lower)"
    )
    assert s.decisions[1].reason == (
        f"HFSR grade 3 on 2024-03-05: {LOCAL_HOLD}; joins the hold already in force (one "
        "interruption: at most one level lower on resumption)"
    )
    replay(s, ae(6, "HFSR", 0))
    assert not s.holding and s.dose == mg(10)
    d = s.decisions[-1]
    assert (d.date, d.action, d.dose_before, d.dose_after) == (day(6), "resume", mg(12), mg(10))
    assert d.rule is anlotinib().rules[4]


def test_two_grade_3_rows_on_one_day_give_one_reduction():
    # docs/dose-modification.md, "One drug course" 3: rows on one date are simultaneous
    s = replay(
        state_of(anlotinib()),
        ae(0, "HFSR", 3),
        ae(0, "diarrhoea", 3),
        ae(4, "HFSR", 1),
        ae(4, "diarrhoea", 0),
    )
    # every row is recorded, in log order: the first recovery leaves the interruption to the last
    assert actions(s) == [
        (MON, "hold"),
        (MON, "hold"),
        (day(4), "continue hold"),
        (day(4), "resume"),
    ]
    assert s.dose == mg(10)
    assert s.decisions[2].event == ae(4, "HFSR", 1)
    assert s.decisions[2].rule is anlotinib().rules[4]
    assert (s.decisions[2].dose_before, s.decisions[2].dose_after) == (mg(12), None)
    assert s.decisions[2].reason == (
        "HFSR grade 1 on 2024-03-08: recovered to grade 1 or lower from HFSR grade 3 on "
        "2024-03-04; the interruption ends with the last hold"
    )
    assert s.decisions[3].event == ae(4, "diarrhoea", 0)
    assert s.decisions[3].reason == (
        f"diarrhoea grade 0 on 2024-03-08: recovered to grade 1 or lower after 4 d on hold; "
        f"{LOCAL_HOLD}; one level lower (one interruption: at most one level lower)"
    )


@pytest.mark.parametrize("end_first", [True, False])
def test_a_hold_that_ends_and_one_that_starts_on_one_date_are_one_interruption(end_first):
    ending, starting = ae(4, "HFSR", 1), ae(4, "diarrhoea", 3)
    rows = (ending, starting) if end_first else (starting, ending)
    s = replay(state_of(anlotinib()), ae(0, "HFSR", 3), *rows)
    assert s.holding and s.dose == mg(12)
    by_row = {d.event.term: d.action for d in s.decisions if d.date == day(4)}
    assert by_row == {"HFSR": "continue hold", "diarrhoea": "hold"}
    assert [d.event for d in s.decisions[1:]] == list(rows)  # decisions in log order
    replay(s, ae(8, "diarrhoea", 1))
    assert not s.holding and s.dose == mg(10)  # one level below 12 mg, not two
    assert actions(s)[-1] == (day(8), "resume")
    assert [a for _, a in actions(s)].count("resume") == 1


def test_two_same_dose_holds_record_one_resume_when_the_last_recovers():
    # Pembrolizumab resumes at the same dose (its local rule for events the label does not list).
    s = replay(
        state_of(pembrolizumab()), ae(0, "diarrhoea", 3), ae(1, "rash", 3), ae(4, "diarrhoea", 1)
    )
    # new rule: the first recovery is recorded (continue hold: the hold stands), nothing vanishes
    # (docs/dose-modification.md, "One drug course" 3 and "Nothing vanishes")
    assert s.holding
    assert actions(s) == [(MON, "hold"), (day(1), "hold"), (day(4), "continue hold")]
    assert {d.rule for d in s.decisions} == {pembrolizumab_local_hold()}
    replay(s, ae(6, "rash", 0))
    assert not s.holding and s.dose == mg(100)
    d = s.decisions[-1]
    assert (d.date, d.action, d.dose_before, d.dose_after) == (day(6), "resume", mg(100), mg(100))


def test_a_repeated_same_dose_hold_is_a_continue_hold_and_resumes_at_the_same_dose():
    s = custom_state(hold_rule("Rash maculo-papular", resume=Resume.SAME))
    replay(s, ae(0, "rash", 3), ae(2, "rash", 3), ae(4, "rash", 1))
    assert actions(s) == [(MON, "hold"), (day(2), "continue hold"), (day(4), "resume")]
    assert s.dose == mg(12)


def test_two_max_holds_expiring_together_discontinue_once():
    bleeding = hold_rule("bleeding", grades=(2, 2), max_hold=7)
    rash = hold_rule("Rash maculo-papular", grades=(3, 3), max_hold=7)
    s = custom_state(bleeding, rash)
    s.apply(ae(0, "bleeding", 2))
    s.apply(ae(0, "rash", 3))
    for n in range(8):
        s.settle(day(n))
    assert actions(s) == [(MON, "hold"), (MON, "hold"), (day(7), "discontinue")]


def test_grade_4_discontinues_citing_the_rule():
    s = replay(state_of(anlotinib()), ae(0, "hypertension", 4))
    d = s.decisions[-1]
    assert (d.action, d.source.key, s.discontinued_on) == ("discontinue", "local", MON)
    assert d.rule is anlotinib().rules[5]


def test_grade_5_is_covered_by_the_rules_as_written():
    # docs/dose-modification.md, "One drug course" 5
    s = replay(state_of(anlotinib()), ae(0, "hypertension", 5))
    assert actions(s) == [(MON, "discontinue")] and s.decisions[0].rule is anlotinib().rules[5]


# ---------------------------------------------------------------------------------------------
# DoseState: reduce rules and rules written for the edge cases


def test_reduce_steps_down_one_level_then_stops_below_the_lowest():
    s = custom_state(Rule("Hypertension", 3, 3, Action.REDUCE, LOCAL), label=OTHER)
    replay(s, ae(0, "hypertension", 3), ae(1, "HTN", 3))
    assert s.dose == mg(8) and s.active
    rule = s.rules[0]
    assert [(d.date, d.action, d.dose_before, d.dose_after, d.rule) for d in s.decisions] == [
        (MON, "reduce", mg(12), mg(10), rule),
        (day(1), "reduce", mg(10), mg(8), rule),
    ]
    assert [d.event for d in s.decisions] == [ae(0, "hypertension", 3), ae(1, "HTN", 3)]
    assert s.decisions[0].reason == (
        "hypertension grade 3 on 2024-03-04: Hypertension grade 3: reduce one dose level "
        "(source: local policy [local])"
    )
    replay(s, ae(2, "hypertension", 3))
    d = s.decisions[-1]
    assert (d.date, d.action, d.dose_before, d.dose_after) == (day(2), "discontinue", mg(8), None)
    assert d.event == ae(2, "hypertension", 3) and d.rule is rule
    assert s.discontinued_on == day(2)
    assert d.source is OTHER  # the label source, whose short() falls back to its key
    assert d.reason.endswith(
        "8 mg is the lowest dose level: discontinue permanently if the lowest dose is not "
        "tolerated (source: other [protocol])"
    )


def test_several_reductions_on_one_date_are_one_step():
    # docs/dose-modification.md, "One drug course" 2
    s = custom_state(Rule(ANY, 3, 3, Action.REDUCE, LOCAL))
    replay(s, ae(0, "hypertension", 3), ae(0, "rash", 3))
    assert s.dose == mg(10) and s.active
    assert actions(s) == [(MON, "reduce"), (MON, "continue")]
    d = s.decisions[-1]
    assert (d.dose_before, d.dose_after) == (mg(10), mg(10))
    assert (d.event, d.rule) == (ae(0, "rash", 3), s.rules[0])
    assert d.reason.endswith("; already reduced on this date (one step per date)")


def test_several_reductions_on_one_date_at_the_last_but_one_level_do_not_discontinue():
    s = custom_state(Rule(ANY, 3, 3, Action.REDUCE, LOCAL), level=1)
    replay(s, ae(0, "hypertension", 3), ae(0, "rash", 3))
    assert s.active and s.dose == mg(8)


def test_without_a_label_source_the_rule_is_cited_at_the_lowest_level():
    s = custom_state(Rule("Hypertension", 3, 3, Action.REDUCE, LOCAL), levels=(5,))
    replay(s, ae(0, "hypertension", 3))
    d = s.decisions[-1]
    assert d.source is LOCAL and s.discontinued_on == MON
    assert d.reason == (
        "hypertension grade 3 on 2024-03-04: Hypertension grade 3: reduce one dose level "
        "(source: local policy [local]); 5 mg is the lowest dose level"
    )


def test_resume_lower_at_the_lowest_level_without_a_label_cites_the_rule():
    s = custom_state(hold_rule(), levels=(5,))
    replay(s, ae(0, "rash", 3), ae(2, "rash", 1))
    d = s.decisions[0]
    # new rule: discontinued on the AE date, not on the recovery date
    # (docs/dose-modification.md, "One drug course" 3)
    assert (d.action, d.source, s.discontinued_on) == ("discontinue", LOCAL, MON)
    assert actions(s) == [(MON, "discontinue"), (day(2), "no effect")]


def test_hold_until_grade_0_needs_full_resolution():
    s = custom_state(hold_rule(grades=(2, 3), until=0, resume=Resume.SAME))
    replay(s, ae(0, "rash", 2), ae(3, "rash", 1))  # better, but not grade 0 (no rule for 1)
    assert s.holding
    replay(s, ae(5, "rash", 0))
    assert not s.holding and s.dose == mg(12)
    # new rule: the grade 1 row no rule covers is a ``no rule`` decision needing review
    # (docs/dose-modification.md, "Nothing vanishes")
    assert actions(s) == [(MON, "hold"), (day(3), "no rule"), (day(5), "resume")]
    d = s.decisions[1]
    assert (d.dose_before, d.dose_after) == (mg(12), None)
    assert d.review == "no rule in this regimen covers Rash maculo-papular grade 1"


def test_an_event_without_a_rule_is_a_no_rule_decision_that_needs_review():
    s = custom_state(Rule("bleeding", 3, 4, Action.DISCONTINUE, LOCAL))
    replay(s, ae(0, "hypertension", 4), ae(1, "bleeding", 2))
    assert s.active and s.dose == mg(12) and not s.holding
    # new rule: nothing vanishes; a row no rule covers is a ``no rule`` decision, dose unchanged,
    # needing clinician review (docs/dose-modification.md, "Nothing vanishes")
    assert actions(s) == [(MON, "no rule"), (day(1), "no rule")]
    first, second = s.decisions
    assert (first.dose_before, first.dose_after, first.rule, first.source) == (
        mg(12),
        mg(12),
        None,
        None,
    )
    assert first.event == ae(0, "hypertension", 4)
    assert first.reason == (
        "hypertension grade 4 on 2024-03-04: no rule of drug covers Hypertension grade 4: dose "
        "unchanged"
    )
    assert first.review == "no rule in this regimen covers Hypertension grade 4"
    assert second.review == "no rule in this regimen covers bleeding (site not given) grade 2"


def test_a_rule_marked_for_review_marks_its_decisions():
    rule = Rule("Hypertension", 3, 3, Action.REDUCE, LOCAL, review="check the blood pressure")
    s = replay(custom_state(rule), ae(0, "hypertension", 3))
    assert s.decisions[0].review == "check the blood pressure"


def test_a_reduce_row_during_a_hold_joins_it_and_resumes_one_level_lower():
    # docs/dose-modification.md, "One drug course" 3: a reduce row that starts while a hold is in
    # force joins it; the drug resumes one level lower, once
    rash = hold_rule("Rash maculo-papular", resume=Resume.SAME)
    reduce = Rule("Hypertension", 3, 3, Action.REDUCE, LOCAL)
    s = replay(custom_state(rash, reduce), ae(0, "rash", 3), ae(2, "hypertension", 3))
    assert s.holding and s.dose == mg(12) and s.resume_dose == mg(10)
    assert actions(s) == [(MON, "hold"), (day(2), "continue hold")]
    d = s.decisions[-1]
    assert (d.dose_before, d.dose_after) == (mg(12), None)
    assert (d.event, d.rule) == (ae(2, "hypertension", 3), reduce)
    assert d.reason == (
        "hypertension grade 3 on 2024-03-06: Hypertension grade 3: reduce one dose level (source: "
        "local policy [local]); during a hold: the drug resumes one level lower (one "
        "interruption, one reduction)"
    )
    replay(s, ae(3, "hypertension", 3), ae(5, "rash", 1))
    assert not s.holding and s.dose == mg(10)  # never two levels for one interruption
    assert actions(s)[-1] == (day(5), "resume")


def test_a_lower_hold_joining_a_same_dose_hold_of_the_same_condition_resumes_lower():
    same = hold_rule("Rash maculo-papular", grades=(2, 2), resume=Resume.SAME)
    lower = hold_rule("Rash maculo-papular", grades=(3, 3), resume=Resume.LOWER)
    s = replay(custom_state(same, lower), ae(0, "rash", 2), ae(2, "rash", 3), ae(5, "rash", 1))
    assert actions(s) == [(MON, "hold"), (day(2), "continue hold"), (day(5), "resume")]
    assert s.dose == mg(10)


def test_a_reduce_row_during_an_interruption_begun_at_the_lowest_level_discontinues():
    rash = hold_rule("Rash maculo-papular", resume=Resume.SAME)
    reduce = Rule("Hypertension", 3, 3, Action.REDUCE, LOCAL)
    s = custom_state(rash, reduce, level=2, label=OTHER)
    replay(s, ae(0, "rash", 3), ae(2, "hypertension", 3))
    assert s.discontinued_on == day(2) and not s.holding
    d = s.decisions[-1]
    assert (d.action, d.dose_before, d.source) == ("discontinue", mg(8), OTHER)
    assert (d.event, d.rule) == (ae(2, "hypertension", 3), reduce)
    assert d.reason == (
        "hypertension grade 3 on 2024-03-06: Hypertension grade 3: reduce one dose level (source: "
        "local policy [local]); 8 mg is the lowest dose level: discontinue permanently if the "
        "lowest dose is not tolerated (source: other [protocol])"
    )


def test_a_lower_hold_joining_an_interruption_begun_at_the_lowest_level_discontinues():
    same = hold_rule("Rash maculo-papular", resume=Resume.SAME)
    lower = hold_rule("Diarrhea", resume=Resume.LOWER)
    s = replay(custom_state(same, lower, level=2), ae(0, "rash", 3), ae(2, "diarrhoea", 3))
    assert s.discontinued_on == day(2)
    assert actions(s) == [(MON, "hold"), (day(2), "discontinue")]


@pytest.mark.parametrize(
    ("level", "after"),
    [(0, 10), (1, 8)],
    ids=["from-12mg", "from-10mg"],
)
@pytest.mark.parametrize(
    "reduce_first",
    [
        False,
        True,
    ],
    ids=["hold-row-first", "reduce-row-first"],
)
def test_a_reduce_row_and_a_lower_hold_on_one_date_are_one_step(level, after, reduce_first):
    # docs/dose-modification.md, "One drug course" 2 ("several reductions on one date are one
    # step") and 3 ("rows on one date count as simultaneous"; one interruption resumes at most
    # one level below the level in force when it began, never two)
    reduce = Rule("Hypertension", 3, 3, Action.REDUCE, LOCAL)
    hold = hold_rule("Rash maculo-papular", resume=Resume.LOWER)
    rows = [ae(0, "hypertension", 3), ae(0, "rash", 3)]
    if not reduce_first:
        rows.reverse()
    s = replay(custom_state(reduce, hold, level=level), *rows, ae(3, "rash", 1))
    assert s.active and not s.holding
    assert s.dose == mg(after)
    assert actions(s)[-1] == (day(3), "resume")


@pytest.mark.parametrize(("level", "after"), [(0, 10), (1, 8)], ids=["from-12mg", "from-10mg"])
@pytest.mark.parametrize(
    "recovery_first",
    [
        False,
        True,
    ],
    ids=["reduce-row-first", "recovery-row-first"],
)
def test_a_reduce_row_on_the_date_an_interruption_ends_joins_it(level, after, recovery_first):
    # docs/dose-modification.md, "One drug course" 3: a reduce row that starts while a hold is
    # in force joins it; rows on one date are simultaneous (a hold that ends and one that starts
    # on one date are one interruption); the drug resumes at most one level below the level in
    # force when the interruption began, never two.
    reduce = Rule("Hypertension", 3, 3, Action.REDUCE, LOCAL)
    rash = hold_rule("Rash maculo-papular", resume=Resume.SAME)
    day_3 = [ae(3, "hypertension", 3), ae(3, "rash", 1)]
    if recovery_first:
        day_3.reverse()
    s = custom_state(reduce, rash, level=level)
    replay(s, ae(0, "hypertension", 3), ae(0, "rash", 3), *day_3)
    assert s.active and not s.holding and s.dose == mg(after)
    assert (day(3), "resume") in actions(s)
    rising = [
        d for d in s.decisions if d.dose_before and d.dose_after and d.dose_after > d.dose_before
    ]
    assert rising == []


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(("haematuria", "epistaxis"), id="recovery-row-first"),
        pytest.param(("epistaxis", "haematuria"), id="hold-row-first"),
    ],
)
def test_a_same_date_row_does_not_end_a_hold_started_that_date(rows):
    # docs/dose-modification.md, "One drug course" 3: the hold ends on the date of a LATER row
    # showing recovery; rows on one date count as simultaneous. Epistaxis grade 2 and haematuria
    # grade 1 on one date: the bleeding hold starts that day and stands.
    grade = {"epistaxis": 2, "haematuria": 1}
    s = replay(state_of(anlotinib()), *(ae(3, term, grade[term]) for term in rows))
    assert s.holding and s.dose == mg(12)
    assert "resume" not in [a for _, a in actions(s)]


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(("epistaxis", "haematuria"), id="recovery-row-first"),
        pytest.param(("haematuria", "epistaxis"), id="hold-row-first"),
    ],
)
def test_a_bleed_recovering_at_one_site_while_another_bleeds_on_the_same_date_stays_held(rows):
    # docs/dose-modification.md, "One drug course" 3: rows on one date are simultaneous, and a
    # hold that ends and one that starts on the same date are one interruption. Bleeding hold
    # from day 0; on day 3 epistaxis grade 1 and haematuria grade 2 (a bleeding grade 2 row).
    grade = {"epistaxis": 1, "haematuria": 2}
    s = replay(
        state_of(anlotinib()), ae(0, "epistaxis", 2), *(ae(3, term, grade[term]) for term in rows)
    )
    assert s.holding and s.dose == mg(12)
    assert "resume" not in [a for _, a in actions(s)]


def test_a_recovery_row_on_the_date_a_later_row_discontinues_is_listed():
    # docs/dose-modification.md, "Nothing vanishes": every row is a decision. HFSR grade 3
    # holds from day 0; on day 3 HFSR grade 1 (recovery) and then hypertension grade 4.
    s = replay(state_of(anlotinib()), ae(0, "HFSR", 3), ae(3, "HFSR", 1), ae(3, "hypertension", 4))
    assert s.discontinued_on == day(3)
    assert [d.event for d in s.decisions if d.date == day(3)] == [
        ae(3, "HFSR", 1),
        ae(3, "hypertension", 4),
    ]
    # the recovery row is recorded under the hold's rule; the hold stands until the stop
    recovery = s.decisions[1]
    assert (recovery.action, recovery.dose_before, recovery.dose_after) == (
        "continue hold",
        mg(12),
        None,
    )
    assert recovery.rule is anlotinib().rules[4] and recovery.source.key == "local"
    assert recovery.reason == (
        "HFSR grade 1 on 2024-03-07: recovered to grade 1 or lower from HFSR grade 3 on "
        "2024-03-04; the drug is discontinued the same day"
    )


def test_a_recovery_row_on_the_date_another_maximum_hold_runs_out_is_listed():
    # docs/dose-modification.md, "Nothing vanishes": bleeding grade 2 (at most 14 d) and HFSR
    # grade 3 hold from day 0; HFSR recovers on day 14, the day the bleeding hold runs out.
    s = replay(state_of(anlotinib()), ae(0, "bleeding", 2), ae(0, "HFSR", 3))
    for n in range(1, 14):
        s.settle(day(n))
    replay(s, ae(14, "HFSR", 1))
    assert s.discontinued_on == day(14)
    assert ae(14, "HFSR", 1) in [d.event for d in s.decisions]


# ---------------------------------------------------------------------------------------------
# DoseState: before the first dose (docs/dose-modification.md, "Before the first dose")


def test_before_the_first_dose_a_hold_rule_waits_then_starts_at_the_start_dose():
    s = replay(state_of(anlotinib(), started=False), ae(0, "hypertension", 3))
    assert s.holding and s.resume_dose == mg(12)  # nothing was given to reduce
    d = s.decisions[-1]
    assert (d.action, d.dose_before, d.dose_after, d.review) == ("hold", mg(12), None, "")
    assert (d.event, d.rule) == (ae(0, "hypertension", 3), anlotinib().rules[4])
    assert d.reason == (
        f"hypertension grade 3 on 2024-03-04: {LOCAL_HOLD}; before the first dose of anlotinib: "
        "day 1 waits for recovery to grade 1 or lower; the course then starts at its start dose "
        "(nothing was given to reduce)"
    )
    replay(s, ae(3, "hypertension", 1))
    assert not s.holding and s.dose == mg(12) and s.active
    assert actions(s) == [(MON, "hold"), (day(3), "resume")]
    resume = s.decisions[-1]
    assert (resume.dose_before, resume.dose_after) == (mg(12), mg(12))
    assert (resume.event, resume.rule) == (ae(3, "hypertension", 1), anlotinib().rules[4])
    assert resume.reason == (
        f"hypertension grade 1 on 2024-03-07: recovered to grade 1 or lower after 3 d on hold; "
        f"{LOCAL_HOLD}; before the first dose: the course starts at its start dose"
    )


def test_before_the_first_dose_a_lower_hold_at_the_lowest_level_does_not_discontinue():
    s = replay(state_of(anlotinib(), level=2, started=False), ae(0, "HFSR", 3), ae(3, "HFSR", 1))
    assert s.active and s.dose == mg(8)
    assert actions(s) == [(MON, "hold"), (day(3), "resume")]


def test_before_the_first_dose_a_second_row_of_the_held_condition_keeps_waiting():
    s = replay(state_of(anlotinib(), started=False), ae(0, "bleeding", 2), ae(2, "epistaxis", 2))
    assert s.holding and actions(s) == [(MON, "hold"), (day(2), "continue hold")]
    d = s.decisions[-1]
    assert (d.dose_before, d.dose_after) == (mg(12), None)
    assert (d.event, d.rule) == (ae(2, "epistaxis", 2), anlotinib().rules[1])
    assert d.reason == (
        f"epistaxis grade 2 on 2024-03-06: {BLEEDING_HOLD}; before the first dose of anlotinib: "
        "day 1 still waits"
    )


def test_before_the_first_dose_a_discontinue_rule_means_not_started():
    s = replay(state_of(anlotinib(), started=False), ae(0, "hypertension", 4))
    assert s.discontinued_on == MON and not s.active
    (d,) = s.decisions
    assert (d.date, d.action, d.dose_after) == (MON, "discontinue", None)
    assert (d.event, d.rule) == (ae(0, "hypertension", 4), anlotinib().rules[5])
    assert d.reason.endswith("; before the first dose of anlotinib: not started")


def test_before_the_first_dose_the_max_hold_applies_from_the_ae_date():
    s = state_of(anlotinib(), started=False)
    replay(s, ae(0, "bleeding", 2))
    for n in range(1, 15):
        s.settle(day(n))
    assert s.discontinued_on == day(14)
    assert actions(s) == [(MON, "hold"), (day(14), "discontinue")]


@pytest.mark.parametrize("action", [Action.CONTINUE, Action.REDUCE])
def test_before_the_first_dose_grade_3_under_continue_or_reduce_waits_for_grade_1(action):
    s = custom_state(Rule(ANY, 1, 4, action, LOCAL), started=False)
    replay(s, ae(0, "hypertension", 3))
    assert s.holding and s.dose == mg(12)
    d = s.decisions[-1]
    assert (d.action, d.dose_after) == ("hold", None)
    assert (d.event, d.rule) == (ae(0, "hypertension", 3), s.rules[0])
    what = "continue" if action is Action.CONTINUE else "reduce one dose level"
    assert d.reason == (
        f"hypertension grade 3 on 2024-03-04: any adverse event grade 1-4: {what} (source: local "
        "policy [local]); before the first dose of drug: a grade 3 event before the first dose; "
        "day 1 waits for recovery to grade 1 or lower"
    )
    assert d.review == (
        f"grade 3 before the first dose under a {action.value} rule: the rules do not say "
        "whether to start"
    )
    assert not s.hold_can_end  # no maximum: it waits for a recovery row
    replay(s, ae(2, "hypertension", 2))
    assert s.holding  # grade 2 is not grade <= 1
    assert actions(s)[-1] == (day(2), "continue hold")
    replay(s, ae(4, "hypertension", 1))
    assert not s.holding and s.dose == mg(12)
    assert actions(s)[-1] == (day(4), "resume")


@pytest.mark.parametrize("action", [Action.CONTINUE, Action.REDUCE])
def test_before_the_first_dose_grade_2_under_continue_or_reduce_changes_nothing(action):
    s = replay(custom_state(Rule(ANY, 1, 4, action, LOCAL), started=False), ae(0, "rash", 2))
    assert not s.holding and s.dose == mg(12)
    (d,) = s.decisions
    assert (d.action, d.dose_before, d.dose_after, d.review) == ("continue", mg(12), mg(12), "")
    assert (d.event, d.rule) == (ae(0, "rash", 2), s.rules[0])
    assert d.reason.endswith(
        "before the first dose of drug: nothing was given to reduce; no change"
    )


# ---------------------------------------------------------------------------------------------
# DoseState: calendar notes


def test_delay_records_the_moved_day_1_at_the_current_dose():
    s = state_of(anlotinib(), level=1)
    s.delay(day(21), day(25), 2, "HFSR grade 3 since 2024-03-04, until grade 1 or lower")
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
        "cycle 2 day 1 moved from 2024-03-25 to 2024-03-29: on hold on the planned day 1 (HFSR "
        "grade 3 since 2024-03-04, until grade 1 or lower)"
    )


def test_waiting_names_every_open_hold():
    s = replay(state_of(anlotinib()), ae(0, "HFSR", 3), ae(2, "oral ulcer", 3))
    s.waiting(day(21), 2)
    d = s.decisions[-1]
    assert (d.date, d.action, d.dose_before, d.dose_after) == (day(21), "waiting", mg(12), None)
    assert (d.event, d.rule, d.source) == (None, None, None)
    assert d.reason == (
        "cycle 2 day 1 (planned 2024-03-25) waits for recovery (HFSR grade 3 since 2024-03-04, "
        "until grade 1 or lower; oral ulcer grade 3 since 2024-03-06, until grade 1 or lower); "
        "no later cycles are laid out until the AE log shows it"
    )


def test_no_effect_records_a_row_that_cannot_change_the_plan():
    s = state_of(anlotinib())
    s.no_effect(ae(40, "rash", 3), "after the last cycle of anlotinib (ended 2024-04-13)")
    (d,) = s.decisions
    assert (d.date, d.action, d.dose_before, d.dose_after) == (day(40), "no effect", None, None)
    assert (d.event, d.rule, d.source, d.review) == (ae(40, "rash", 3), None, None, "")
    assert d.reason == (
        "rash grade 3 on 2024-04-13: after the last cycle of anlotinib (ended 2024-04-13): no "
        "effect on the plan"
    )
    assert s.active and not s.holding


def test_a_continue_rule_during_a_hold_keeps_the_hold():
    # local policy: hypertension grade 3 holds until grade <= 1; a grade 2 row matches the
    # 'grade 1-2 continue' rule but must not end (or be reported as breaking) the hold
    s = replay(state_of(anlotinib()), ae(0, "hypertension", 3), ae(2, "hypertension", 2))
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
        f"hypertension grade 2 on 2024-03-06: {LOCAL_CONTINUE}; still on hold (hypertension "
        "grade 3 since 2024-03-04, until grade 1 or lower)"
    )
    # a second held term joins the explanation, in hold order
    replay(s, ae(3, "diarrhoea", 3), ae(4, "fatigue", 1))
    assert s.decisions[-1].reason.endswith(
        "still on hold (hypertension grade 3 since 2024-03-04, until grade 1 or lower; "
        "diarrhoea grade 3 since 2024-03-07, until grade 1 or lower)"
    )
    replay(s, ae(5, "hypertension", 1))
    assert s.holding  # diarrhoea still holds
    replay(s, ae(6, "diarrhoea", 0))
    assert not s.holding and s.dose == mg(10)  # one interruption: one level lower
    assert [a for _, a in actions(s)] == [
        "hold",
        "continue hold",
        "hold",
        "continue hold",
        "continue hold",
        "resume",
    ]


def test_waiting_records_the_cycle_and_the_open_holds():
    s = replay(state_of(anlotinib()), ae(0, "hypertension", 3))
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
        "cycle 2 day 1 (planned 2024-03-25) waits for recovery (hypertension grade 3 since "
        "2024-03-04, until grade 1 or lower); no later cycles are laid out until the AE log "
        "shows it"
    )
    bleeding = replay(state_of(anlotinib()), ae(0, "bleeding", 2))
    assert bleeding.hold_can_end  # the consensus hold ends after 14 d at the latest


# ---------------------------------------------------------------------------------------------
# DoseState: one interruption, one step (cases the mutation run showed were not pinned down)


def test_a_reduce_row_and_two_lower_holds_on_one_date_resume_one_level_lower():
    # docs/dose-modification.md, "One drug course" 2 and 3: rows on one date are simultaneous;
    # the reduction and both holds are one interruption begun at 10 mg, so the drug resumes at
    # 8 mg (one level lower, never two) when the last hold ends; 8 mg is then only the level
    # it resumes at, so nothing discontinues.
    reduce = Rule("Hypertension", 3, 3, Action.REDUCE, LOCAL)
    rash = hold_rule("Rash maculo-papular", resume=Resume.LOWER)
    diarrhoea = hold_rule("Diarrhea", resume=Resume.LOWER)
    s = custom_state(reduce, rash, diarrhoea, level=1)
    replay(s, ae(0, "hypertension", 3), ae(0, "rash", 3), ae(0, "diarrhoea", 3))
    assert s.active and s.holding
    assert actions(s) == [(MON, "reduce"), (MON, "hold"), (MON, "hold")]
    replay(s, ae(3, "rash", 1), ae(5, "diarrhoea", 1))
    assert s.active and not s.holding and s.dose == mg(8)
    assert actions(s)[-2:] == [(day(3), "continue hold"), (day(5), "resume")]


@pytest.mark.parametrize("level", [0, 1], ids=["from-12mg", "from-10mg"])
def test_a_reduce_row_and_a_same_dose_hold_on_one_date_resume_one_level_lower(level):
    # docs/dose-modification.md, "One drug course" 3: a hold and a reduce row of one date are
    # one interruption; it resumes one level below the level in force when it began because a
    # rule of the interruption said reduce (the hold rule alone says "same").
    reduce = Rule("Hypertension", 3, 3, Action.REDUCE, LOCAL)
    rash = hold_rule("Rash maculo-papular", resume=Resume.SAME)
    s = custom_state(reduce, rash, level=level)
    replay(s, ae(0, "hypertension", 3), ae(0, "rash", 3), ae(4, "rash", 1))
    assert actions(s) == [(MON, "reduce"), (MON, "hold"), (day(4), "resume")]
    assert s.active and not s.holding and s.dose == (mg(10), mg(8))[level]
    resume = s.decisions[-1]
    assert resume.dose_after == (mg(10), mg(8))[level]
    # the resumption is one level below the level the interruption began at, and says so
    assert resume.reason.endswith("; one level lower (one interruption: at most one level lower)")


def test_the_resume_decision_comes_where_its_row_came_in_the_log():
    # docs/dose-modification.md, "Nothing vanishes" (every row is a decision) with the log order
    # kept: HFSR and diarrhoea grade 3 hold from day 0; on day 4 HFSR grade 1, diarrhoea grade 0
    # (the last hold ends: resume) and hypertension grade 1 (any grade 1-2: continue).
    rows = [ae(4, "HFSR", 1), ae(4, "diarrhoea", 0), ae(4, "hypertension", 1)]
    s = replay(state_of(anlotinib()), ae(0, "HFSR", 3), ae(0, "diarrhoea", 3), *rows)
    assert [d.event for d in s.decisions[2:]] == rows
    assert [d.action for d in s.decisions[2:]] == ["continue hold", "resume", "continue"]
    assert s.dose == mg(10)


def test_a_same_dose_resume_does_not_claim_a_lower_level():
    # docs/dose-modification.md, "One drug course" 3: a single hold whose rule says "same"
    # resumes at the level it began at (12 mg); its reason names the recovery and the rule only.
    rash = hold_rule("Rash maculo-papular", resume=Resume.SAME)
    s = replay(custom_state(rash), ae(0, "rash", 3), ae(4, "rash", 1))
    d = s.decisions[-1]
    assert (d.date, d.action, d.dose_before, d.dose_after) == (day(4), "resume", mg(12), mg(12))
    assert (d.event, d.rule) == (ae(4, "rash", 1), rash)
    assert d.reason == (
        "rash grade 1 on 2024-03-08: recovered to grade 1 or lower after 4 d on hold; Rash "
        "maculo-papular grade 3: hold until grade 1 or lower, then resume at the same dose "
        "(source: local policy [local])"
    )


def test_two_same_dose_holds_ending_on_one_date_are_one_interruption():
    # docs/dose-modification.md, "One drug course" 3: overlapping holds are one interruption;
    # both rules say "same", so the drug resumes at 12 mg when the last ends (day 4, 4 d after
    # the first hold began), and the reason says the holds were one interruption.
    rash = hold_rule("Rash maculo-papular", resume=Resume.SAME)
    diarrhoea = hold_rule("Diarrhea", resume=Resume.SAME)
    s = custom_state(rash, diarrhoea)
    replay(s, ae(0, "rash", 3), ae(1, "diarrhoea", 3), ae(4, "rash", 1), ae(4, "diarrhoea", 1))
    assert actions(s) == [
        (MON, "hold"),
        (day(1), "hold"),
        (day(4), "continue hold"),
        (day(4), "resume"),
    ]
    d = s.decisions[-1]
    assert (d.dose_before, d.dose_after, d.rule) == (mg(12), mg(12), diarrhoea)
    assert d.reason == (
        "diarrhoea grade 1 on 2024-03-08: recovered to grade 1 or lower after 4 d on hold; "
        "Diarrhea grade 3: hold until grade 1 or lower, then resume at the same dose (source: "
        "local policy [local]) (one interruption: at most one level lower)"
    )


def test_before_the_first_dose_a_continue_row_during_a_hold_gives_no_dose():
    # docs/dose-modification.md, "Before the first dose": a continue row of grade 2 or lower
    # changes nothing; day 1 still waits for the bleeding hold, so no dose is in force ("Status":
    # none while on hold).
    s = replay(state_of(anlotinib(), started=False), ae(0, "bleeding", 2), ae(2, "rash", 1))
    assert s.holding and s.active
    d = s.decisions[-1]
    assert (d.date, d.dose_before, d.dose_after) == (day(2), mg(12), None)
    assert (d.event, d.rule) == (ae(2, "rash", 1), anlotinib().rules[3])
    # Rule 1 ("Continue"): during a hold the row is recorded as 'continue hold'.
    assert d.kind is DecisionKind.CONTINUE_HOLD
    assert d.reason.endswith(
        "day 1 still waits (bleeding grade 2 since 2024-03-04, until grade 1 or lower)"
    )
