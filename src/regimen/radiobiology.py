"""Linear-quadratic radiobiology: BED, EQD_x, isoeffect solves and overall-time correction.

Pure functions on pint quantities (:mod:`regimen.units`); every dose is in Gy or cGy and every
result is a quantity in Gy. Nothing here reads a file or a clock.

Two rules keep the arithmetic honest:

* BED is computed phase by phase and summed, never from a mean dose per fraction (the
  quadratic term makes the two differ whenever phases differ).
* A BED carries the alpha/beta it was computed for (:class:`Bed`); adding BEDs for different
  alpha/beta raises, because the sum means nothing.

References
----------
.. [Fowler1989] Fowler JF. The linear-quadratic formula and progress in fractionated
   radiotherapy. Br J Radiol. 1989;62(740):679-694.
.. [Joiner2018] Joiner MC, van der Kogel AJ (eds). Basic Clinical Radiobiology, 5th ed.
   CRC Press; 2018. Chapter 10 (Joiner MC, Bentzen SM), "Fractionation: the linear-quadratic
   approach".
.. [Bentzen2012] Bentzen SM, Dorr W, Gahbauer R, et al. Bioeffect modeling and equieffective
   dose concepts in radiation oncology: terminology, quantities and units. Radiother Oncol.
   2012;105(2):266-268.
.. [Astrahan2008] Astrahan M. Some implications of linear-quadratic-linear radiation
   dose-response with regard to hypofractionation. Med Phys. 2008;35(9):4161-4172.
.. [Dale1985] Dale RG. The application of the linear-quadratic dose-effect equation to
   fractionated and protracted radiotherapy. Br J Radiol. 1985;58(690):515-528.
.. [Thames1985] Thames HD. An 'incomplete-repair' model for survival after fractionated and
   continuous irradiations. Int J Radiat Biol Relat Stud Phys Chem Med. 1985;47(3):319-339.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, Protocol, TypeVar

import attrs

from regimen.errors import InputError
from regimen.units import (
    DOSE,
    DOSE_RATE,
    DURATION,
    Dose,
    DoseRate,
    Duration,
    checked_magnitude,
    magnitude,
    quantity,
    require,
)

#: Above this dose per fraction [Gy] plain LQ is known to overestimate effect; human output warns.
LQ_WARNING_THRESHOLD_GY = 6.0

Model = Literal["lq", "lq-l"]


class Fractionation(Protocol):
    """Anything with a number of fractions and a dose per fraction (a radiotherapy phase)."""

    @property
    def fractions(self) -> int: ...

    @property
    def dose_per_fraction(self) -> Dose: ...


def _gy(q: Dose, what: str) -> float:
    """A dose [Gy] that must be finite and greater than zero."""
    value = checked_magnitude(q, DOSE, "Gy", what)
    if not (value > 0 and math.isfinite(value)):
        raise InputError(f"must be greater than zero, got {value:g} Gy", where=what)
    return value


def _alpha_beta(alpha_beta: Dose) -> float:
    """alpha/beta [Gy], finite and > 0 (checked by :func:`_gy`)."""
    return _gy(alpha_beta, "alpha/beta")


@attrs.frozen
class Bed:
    """A biologically effective dose, tied to the alpha/beta and model it was computed with.

    Parameters
    ----------
    value : Dose
        The BED [Gy].
    alpha_beta : Dose
        The alpha/beta ratio it was computed for [Gy].
    model : {"lq", "lq-l"}
        ``lq`` for the linear-quadratic model, ``lq-l`` for Astrahan's LQ-L.
    transition_dose : Dose or None
        The LQ-L transition dose d_T [Gy]; None for plain LQ.
    """

    value: Dose
    alpha_beta: Dose
    model: Model = "lq"
    transition_dose: Dose | None = None

    @property
    def gy(self) -> float:
        """The BED as a float [Gy]."""
        return magnitude(self.value, "Gy")

    @property
    def alpha_beta_gy(self) -> float:
        """alpha/beta as a float [Gy]."""
        return magnitude(self.alpha_beta, "Gy")

    def _same_basis(self, other: Bed) -> None:
        def dt(b: Bed) -> float | None:
            return None if b.transition_dose is None else magnitude(b.transition_dose, "Gy")

        same_ab = math.isclose(self.alpha_beta_gy, other.alpha_beta_gy, rel_tol=1e-12)
        same_dt = dt(self) == dt(other) or (
            dt(self) is not None
            and dt(other) is not None
            and math.isclose(dt(self) or 0, dt(other) or 0, rel_tol=1e-12)
        )
        if not (same_ab and same_dt and self.model == other.model):
            raise InputError(
                "BED values for different alpha/beta or models cannot be added "
                f"({self.alpha_beta_gy:g} Gy {self.model} vs {other.alpha_beta_gy:g} Gy "
                f"{other.model})"
            )

    def __add__(self, other: Bed) -> Bed:
        if not isinstance(other, Bed):
            return NotImplemented
        self._same_basis(other)
        return attrs.evolve(self, value=quantity(self.gy + other.gy, "Gy"))


def physical_dose(phases: Sequence[Fractionation]) -> Dose:
    r"""Total physical dose, summed over phases [Gy].

    .. math:: D = \sum_i n_i d_i

    >>> from regimen.radiotherapy import parse_expression
    >>> from regimen.units import format_quantity
    >>> format_quantity(physical_dose(parse_expression("10x400cGy + 3x700cGy")))
    '61 Gy'
    """
    total = math.fsum(p.fractions * _gy(p.dose_per_fraction, "dose per fraction") for p in phases)
    return quantity(total, "Gy")


def bed_per_fraction(
    dose_per_fraction: Dose,
    alpha_beta: Dose,
    model: Model = "lq",
    transition_dose: Dose | None = None,
) -> float:
    r"""BED of one fraction [Gy] (as a float in Gy).

    LQ ([Fowler1989]_):

    .. math:: \mathrm{BED}_1 = d \left(1 + \frac{d}{\alpha/\beta}\right)

    LQ-L ([Astrahan2008]_), linear above the transition dose :math:`d_T` with the slope of the
    LQ curve at :math:`d_T`, so the curve and its slope are continuous:

    .. math:: \mathrm{BED}_1 = d_T\left(1 + \frac{d_T}{\alpha/\beta}\right)
              + \left(1 + \frac{2 d_T}{\alpha/\beta}\right)(d - d_T), \quad d > d_T
    """
    d = _gy(dose_per_fraction, "dose per fraction")
    return _per_fraction(d, _alpha_beta(alpha_beta), model, transition_dose)


def _per_fraction(d: float, ab: float, model: Model, transition_dose: Dose | None) -> float:
    """:func:`bed_per_fraction` on floats already checked [Gy] (the model checks are here)."""
    if model == "lq-l":
        if transition_dose is None:
            raise InputError("the LQ-L model needs a transition dose (--transition-dose)")
        dt = _gy(transition_dose, "transition dose")
        if d > dt:
            return dt * (1 + dt / ab) + (1 + 2 * dt / ab) * (d - dt)
    elif transition_dose is not None:
        raise InputError("a transition dose only applies to the LQ-L model (--model lq-l)")
    return d * (1 + d / ab)


def bed(
    phases: Sequence[Fractionation],
    alpha_beta: Dose,
    model: Model = "lq",
    transition_dose: Dose | None = None,
) -> Bed:
    r"""Biologically effective dose of a course, summed phase by phase [Gy].

    .. math:: \mathrm{BED} = \sum_i n_i d_i \left(1 + \frac{d_i}{\alpha/\beta}\right)

    ([Fowler1989]_; [Joiner2018]_ ch. 10). Never computed from a mean dose per fraction.

    Parameters
    ----------
    phases : sequence of Fractionation
        Each with ``fractions`` and ``dose_per_fraction`` [Gy or cGy].
    alpha_beta : Dose
        alpha/beta ratio [Gy], > 0.
    model : {"lq", "lq-l"}
    transition_dose : Dose, optional
        LQ-L transition dose d_T [Gy]; required for ``lq-l``.

    Examples
    --------
    >>> from regimen.radiotherapy import parse_expression
    >>> from regimen.units import quantity, format_quantity
    >>> b = bed(parse_expression("10x400cGy + 3x700cGy"), quantity(10, "Gy"))
    >>> format_quantity(b.value)
    '91.7 Gy'
    """
    ab = _gy(alpha_beta, "alpha/beta")  # checked once, not once per phase (bed_per_fraction)
    per_phase = [
        p.fractions
        * _per_fraction(_gy(p.dose_per_fraction, "dose per fraction"), ab, model, transition_dose)
        for p in phases
    ]
    return Bed(
        value=quantity(math.fsum(per_phase), "Gy"),
        alpha_beta=alpha_beta,
        model=model,
        transition_dose=transition_dose,
    )


def eqd(b: Bed, reference_dose: Dose | None = None) -> Dose:
    r"""Equieffective dose in fractions of ``reference_dose`` (EQD_x; default EQD2) [Gy].

    .. math:: \mathrm{EQD}_x = \frac{\mathrm{BED}}{1 + x/(\alpha/\beta)}

    ([Bentzen2012]_). ``200 cGy`` and ``2 Gy`` give the same float, since units convert exactly.

    >>> from regimen.radiotherapy import parse_expression
    >>> from regimen.units import quantity, format_quantity
    >>> b = bed(parse_expression("50.4 Gy/28"), quantity(10, "Gy"))
    >>> eqd(b, quantity(200, "cGy")) == eqd(b, quantity(2, "Gy"))
    True
    """
    x = 2.0 if reference_dose is None else _gy(reference_dose, "reference dose")
    ab = b.alpha_beta_gy
    if b.model == "lq-l" and b.transition_dose is not None:
        dt = magnitude(b.transition_dose, "Gy")
        if x > dt:
            raise InputError(
                f"the reference dose ({x:g} Gy) must not exceed the LQ-L transition dose "
                f"({dt:g} Gy)"
            )
    return quantity(b.gy / (1 + x / ab), "Gy")


@attrs.frozen
class FractionsSolution:
    """Number of fractions of a given size that matches a target BED.

    Attributes
    ----------
    exact : float
        The real-valued solution.
    rounded : int
        The nearest whole number of fractions (at least 1).
    rounding : {"exact", "up", "down"}
        Which way ``rounded`` departs from ``exact``.
    """

    exact: float
    rounded: int
    rounding: Literal["exact", "up", "down"]


def fractions_for_bed(
    target: Bed,
    dose_per_fraction: Dose,
) -> FractionsSolution:
    r"""Fractions of ``dose_per_fraction`` giving the same BED as ``target``.

    .. math:: n = \frac{\mathrm{BED}}{d\,(1 + d/(\alpha/\beta))}

    ([Joiner2018]_ ch. 10). ``rounded`` is the nearest whole number (halves round up), and
    ``rounding`` says which way it went; a clinician may prefer to round down to stay below a
    tolerance.

    >>> from regimen.radiotherapy import parse_expression
    >>> from regimen.units import quantity
    >>> t = bed(parse_expression("30x2Gy"), quantity(3, "Gy"))
    >>> s = fractions_for_bed(t, quantity(3, "Gy"))
    >>> round(s.exact, 4), s.rounded, s.rounding
    (16.6667, 17, 'up')
    """
    per = bed_per_fraction(
        dose_per_fraction, target.alpha_beta, target.model, target.transition_dose
    )
    exact = target.gy / per
    rounded = max(1, math.floor(exact + 0.5))
    if math.isclose(exact, rounded, rel_tol=0, abs_tol=1e-9):
        return FractionsSolution(exact=exact, rounded=rounded, rounding="exact")
    return FractionsSolution(
        exact=exact, rounded=rounded, rounding="up" if rounded > exact else "down"
    )


def dose_per_fraction_for_bed(target: Bed, fractions: int) -> Dose:
    r"""Dose per fraction [Gy] that gives ``target`` BED in ``fractions`` fractions (LQ).

    Solves :math:`n d (1 + d/(\alpha/\beta)) = \mathrm{BED}` for the positive root:

    .. math:: d = \frac{\alpha/\beta}{2}\left(\sqrt{1 + \frac{4\,\mathrm{BED}}{n\,\alpha/\beta}}
              - 1\right)

    ([Joiner2018]_ ch. 10).

    >>> from regimen.radiotherapy import parse_expression
    >>> from regimen.units import quantity, format_quantity
    >>> t = bed(parse_expression("30x2Gy"), quantity(10, "Gy"))
    >>> format_quantity(dose_per_fraction_for_bed(t, 25))
    '2.3348 Gy'
    """
    if isinstance(fractions, bool) or not isinstance(fractions, int) or fractions < 1:
        raise InputError(
            f"must be a whole number of at least 1, got {fractions!r}", where="fractions"
        )
    if target.model != "lq":
        raise InputError("solving the dose per fraction is only implemented for the LQ model")
    ab = target.alpha_beta_gy
    per = target.gy / fractions
    # Numerically stable form of the positive root: d = 2 per / (1 + sqrt(1 + 4 per / ab)).
    d = 2 * per / (1 + math.sqrt(1 + 4 * per / ab))
    return quantity(d, "Gy")


def k_from_dprolif(dprolif: DoseRate, alpha_beta: Dose) -> DoseRate:
    r"""Convert a repopulation rate in EQD2 units per day to BED units per day [Gy/d].

    .. math:: K = D_\mathrm{prolif} \left(1 + \frac{2}{\alpha/\beta}\right)

    ([Joiner2018]_ ch. 10, where :math:`D_\mathrm{prolif}` is the dose recovered per day in
    2-Gy-fraction equivalents).

    >>> from regimen.units import quantity, format_quantity
    >>> format_quantity(k_from_dprolif(quantity(0.5, "Gy/d"), quantity(10, "Gy")))
    '0.6 Gy/d'
    """
    rate = magnitude(require(dprolif, DOSE_RATE, "Dprolif"), "Gy/d")
    return quantity(rate * (1 + 2 / _alpha_beta(alpha_beta)), "Gy/d")


def time_corrected_bed(
    b: Bed,
    overall_time: Duration,
    kickoff_time: Duration,
    k: DoseRate,
) -> Bed:
    r"""Tumour BED corrected for repopulation during the overall treatment time [Gy].

    .. math:: \mathrm{BED}_T = \mathrm{BED} - K\,(T - T_k) \quad \text{for } T > T_k

    and unchanged for :math:`T \le T_k` ([Fowler1989]_; [Dale1985]_; [Joiner2018]_ ch. 10).
    Applied only when asked; never by default.

    Parameters
    ----------
    b : Bed
    overall_time : Duration
        T, the overall treatment time [d].
    kickoff_time : Duration
        T_k, when accelerated repopulation starts [d].
    k : DoseRate
        K, the BED recovered per day [Gy/d] (see :func:`k_from_dprolif`).
    """
    t = magnitude(require(overall_time, DURATION, "overall time"), "d")
    tk = magnitude(require(kickoff_time, DURATION, "kickoff time"), "d")
    rate = magnitude(require(k, DOSE_RATE, "K"), "Gy/d")
    for value, what in ((t, "overall time"), (tk, "kickoff time"), (rate, "K")):
        if not (value >= 0 and math.isfinite(value)):
            raise InputError(f"must not be negative, got {value:g}", where=what)
    lost = rate * max(0.0, t - tk)
    if lost >= b.gy:
        raise InputError(
            f"the repopulation correction K x (T - T_k) = {lost:g} Gy would use up the whole BED "
            f"({b.gy:g} Gy); check T, T_k and K",
            where="overall time",
        )
    return attrs.evolve(b, value=quantity(b.gy - lost, "Gy"))


def thames_h(m: int, interval: Duration, half_time: Duration) -> float:
    r"""Thames's incomplete-repair factor :math:`H_m` for ``m`` equal fractions a day.

    .. math:: \theta = e^{-\ln 2\,\Delta t / T_{1/2}}, \qquad
              H_m = \frac{2}{m}\,\frac{\theta}{1 - \theta}
              \left(m - \frac{1 - \theta^m}{1 - \theta}\right)

    ([Thames1985]_; [Joiner2018]_ ch. 10): ``m`` fractions ``interval`` apart each day, repair
    mono-exponential with half-time ``half_time`` and complete between days. ``H_1 = 0``,
    ``H_2 = theta``, ``H_3 = (4 theta + 2 theta^2) / 3``; always ``0 <= H_m < m - 1``. The
    BED of such a course is :func:`bed` with :math:`d (1 + H_m)` in place of :math:`d` inside
    the bracket (:func:`bed_incomplete_repair`).

    >>> from regimen.units import quantity
    >>> thames_h(2, quantity(6, "h"), quantity(1.5, "h"))
    0.0625
    """
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise InputError(
            f"must be a whole number of at least 1, got {m!r}", where="fractions a day"
        )
    dt = magnitude(require(interval, DURATION, "interval"), "h")
    half = magnitude(require(half_time, DURATION, "repair half-time"), "h")
    for value, what in ((dt, "interval"), (half, "repair half-time")):
        if not (value > 0 and math.isfinite(value)):
            raise InputError(f"must be greater than zero, got {value:g} h", where=what)
    theta = math.pow(2.0, -dt / half)
    return (2 / m) * (theta / (1 - theta)) * (m - (1 - theta**m) / (1 - theta))


def bed_incomplete_repair(phases: Sequence[Fractionation], alpha_beta: Dose, h: float) -> Bed:
    r"""LQ BED of a course given with incomplete repair between fractions [Gy].

    .. math:: \mathrm{BED} = \sum_i n_i d_i \left(1 + \frac{d_i (1 + H_m)}{\alpha/\beta}\right)

    ([Thames1985]_; [Joiner2018]_ ch. 10), ``h`` from :func:`thames_h`; ``h = 0`` is :func:`bed`.
    LQ only: the LQ-L model has no incomplete-repair term here.
    """
    if not (h >= 0 and math.isfinite(h)):
        raise InputError(f"must be a finite number of at least 0, got {h!r}", where="H_m")
    ab = _alpha_beta(alpha_beta)
    per_phase = []
    for p in phases:
        d = _gy(p.dose_per_fraction, "dose per fraction")
        per_phase.append(p.fractions * d * (1 + d * (1 + h) / ab))
    return Bed(value=quantity(math.fsum(per_phase), "Gy"), alpha_beta=alpha_beta)


F = TypeVar("F", bound=Fractionation)


def above_lq_threshold(phases: Sequence[F]) -> list[F]:
    """Phases whose dose per fraction exceeds 6 Gy, where plain LQ is questionable."""
    return [
        p for p in phases if _gy(p.dose_per_fraction, "dose per fraction") > LQ_WARNING_THRESHOLD_GY
    ]
