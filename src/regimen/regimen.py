"""The regimen: its courses in order, where each starts, its sources and notes."""

from __future__ import annotations

import attrs

from regimen.drugs import DrugCourse, FieldError
from regimen.errors import InputError
from regimen.radiotherapy import RadiotherapyCourse
from regimen.sources import Source

Course = RadiotherapyCourse | DrugCourse


@attrs.frozen
class StartRule:
    """Where a course starts.

    ``after`` None: on the plan's start date. Otherwise ``gap`` days after the last treatment
    day (last fraction or last dosing day) of course ``after``: ``gap = 1`` is the next day.
    ``with_course``: on the same day as that course's first day. ``same_cycle`` (with
    ``with_course`` only): the two courses share their cycles, so a day 1 of that course that
    moves (a hold, a lab delay) moves this course's day 1 of the same cycle with it.
    """

    after: str | None = None
    gap: int = 0
    with_course: str | None = None
    note: str = ""
    same_cycle: bool = False


@attrs.frozen
class Regimen:
    """A whole regimen, as a bundled or user file describes it."""

    id: str
    name: str
    courses: tuple[Course, ...] = attrs.field()
    starts: dict[str, StartRule] = attrs.field(factory=dict)
    sources: dict[str, Source] = attrs.field(factory=dict)
    notes: tuple[str, ...] = attrs.field(default=())
    description: str = ""
    #: Oldest weight a dose by body size may be computed from [days before the start date];
    #: None: the default (regimen.measurements.WEIGHT_MAX_AGE_DAYS).
    weight_max_age: int | None = None

    def __attrs_post_init__(self) -> None:
        ids = [c.id for c in self.courses]
        if len(set(ids)) != len(ids):
            raise FieldError("course ids must be unique", "courses")

    def course(self, course_id: str) -> Course:
        """The course with this id; an error listing the known ids otherwise."""
        for c in self.courses:
            if c.id == course_id:
                return c
        raise InputError(
            f"no course {course_id!r} in {self.id} (courses: {', '.join(self.course_ids)})"
        )

    @property
    def course_ids(self) -> tuple[str, ...]:
        """Course ids in order."""
        return tuple(c.id for c in self.courses)

    @property
    def radiotherapy(self) -> tuple[RadiotherapyCourse, ...]:
        """The radiotherapy courses."""
        return tuple(c for c in self.courses if isinstance(c, RadiotherapyCourse))

    @property
    def drugs(self) -> tuple[DrugCourse, ...]:
        """The drug courses."""
        return tuple(c for c in self.courses if isinstance(c, DrugCourse))

    def start_rule(self, course_id: str) -> StartRule:
        """How ``course_id`` is placed (default: on the plan's start date)."""
        return self.starts.get(course_id, StartRule())
