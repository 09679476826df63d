"""What a plan's body-size doses and lifetime limits are computed from: the patient's
measurements on the start date, clinical flags and prior exposures.

A :class:`Measurements` comes from the command line's quick-check options (taken as measured on
the start date) or from a patient file (dated values, the one in force on the start date); the
dose resolution (:mod:`regimen.dosing`) and the cumulative ledger read it and never default a
missing value: a dose that needs a value it lacks is an error naming the value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs

from regimen.units import Creatinine, Length, Mass, Quantity


@attrs.frozen
class DatedWeight:
    """A body weight and the date it was measured."""

    date: dt.date
    weight: Mass


@attrs.frozen
class Measurements:
    """The patient values one plan uses. ``None`` is "not given", never zero.

    ``weight`` is the weight in force on the plan's start date, measured on ``weight_on``;
    ``weights`` are every dated weight known (a patient file's, for the weight-change check);
    ``age`` is in whole years on the start date; ``prior`` maps a drug to its prior cumulative
    exposure (mg/m2 or mg; ``None`` is "unknown", which makes a lifetime limit uncheckable);
    ``origin`` names where the values came from (``options`` or the patient file's name) and
    ``notes`` say anything the outputs must repeat (e.g. a stale weight accepted).
    """

    height: Length | None = None
    weight: Mass | None = None
    weight_on: dt.date | None = None
    weights: tuple[DatedWeight, ...] = ()
    sex: str | None = None
    age: int | None = None
    scr: Creatinine | None = None
    scr_on: dt.date | None = None
    flags: frozenset[str] = frozenset()
    prior: Mapping[str, Quantity | None] = attrs.field(factory=dict)
    origin: str = "options"
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether nothing body-size related was given (no height, weight, sex, age, creatinine)."""
        return all(v is None for v in (self.height, self.weight, self.sex, self.age, self.scr))
