"""Units: the one pint registry, strict quantity parsing and ISMP-safe formatting.

The registry is built once, from the lean definitions file ``units.txt`` beside this module,
which holds only the units regimen accepts. Each kind of field has an allow-list of units:

=================  ===============
kind               accepted units
=================  ===============
absorbed dose      Gy, cGy
drug amount        mg, mcg, g
duration           d, wk
dose rate          Gy/d, cGy/d
length             cm, m
body weight        kg
body surface area  m2
clearance          mL/min
serum creatinine   mg/dL, umol/L (1 mg/dL = 88.42 umol/L)
dose per BSA       mg/m2 (a cumulative exposure, e.g. doxorubicin 225 mg/m2)
dose per weight    mg/kg (a dose level of a course dosed per kg)
target AUC         AUC, in mg/mL x min (a carboplatin level, written ``AUC 5``)
=================  ===============

Pint cannot tell a physical dose from a BED (both are Gy), a gray from a sievert, or the
radiation "rad" from the radian; so Sv, rad, J/kg, ug and friends are refused with a message
that says what to write instead.

For the type checker a quantity is pint's typed class (:data:`Quantity`), and each kind has a
static type of its own (:data:`Dose`, :data:`Amount`, :data:`Duration`, :data:`DoseRate`):
``quantity(2, "Gy")`` is a ``Dose``, so mypy refuses it (or a bare ``2.0``) where an ``Amount``
is due. These types cost nothing at run time (tests/typing/ shows what mypy refuses).

Conversions between units of one kind are done in decimal arithmetic, so ``200 cGy`` becomes
exactly the float ``2.0`` and ``5040 cGy`` exactly the float nearest to 50.4, the same numbers
that ``2 Gy`` and ``50.4 Gy`` give.

Examples
--------
>>> q = parse_quantity("400 cGy", DOSE)
>>> format_quantity(q)
'400 cGy'
>>> format_quantity(to_unit(q, "Gy"))
'4 Gy'
>>> format_quantity(parse_quantity("0.5mg", AMOUNT))
'0.5 mg'
"""

from __future__ import annotations

import enum
import functools
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, NewType, TypeAlias, cast, overload

from regimen.errors import UnitError

if TYPE_CHECKING:
    import pint

    #: A quantity of the registry (what :func:`quantity` and :func:`parse_quantity` return):
    #: pint's own typed class, so a bare ``float`` or ``int`` is a type error where one is due.
    Quantity: TypeAlias = pint.Quantity[float]
    #: Quantities of one :class:`Kind` each. Static types only: mypy keeps a dose from being
    #: passed where a drug amount is due; at run time they are the same pint objects (no
    #: wrapper, no cost), made by :func:`quantity`, :func:`parse_quantity` and :func:`require`,
    #: which pick the kind from a literal unit (``quantity(2, "Gy")`` is a :data:`Dose`) or a
    #: literal kind (``parse_quantity(text, DOSE)``).
    Dose = NewType("Dose", Quantity)  # Gy, cGy (also BED, EQD2, alpha/beta)
    Amount = NewType("Amount", Quantity)  # mg, mcg, g
    Duration = NewType("Duration", Quantity)  # d, wk, h
    DoseRate = NewType("DoseRate", Quantity)  # Gy/d, cGy/d
    Length = NewType("Length", Quantity)  # cm, m (a height)
    Mass = NewType("Mass", Quantity)  # kg (a body weight)
    Area = NewType("Area", Quantity)  # m2 (a body surface area)
    Clearance = NewType("Clearance", Quantity)  # mL/min (GFR, creatinine clearance)
    Creatinine = NewType("Creatinine", Quantity)  # mg/dL, umol/L (serum creatinine)
    DosePerArea = NewType("DosePerArea", Quantity)  # mg/m2 (an exposure per body surface area)
    DosePerMass = NewType("DosePerMass", Quantity)  # mg/kg (a dose per body weight)
    TargetAuc = NewType("TargetAuc", Quantity)  # AUC [mg/mL x min] (Calvert's target)
else:
    # At run time the names exist for imports only; annotations are never evaluated
    # (every module has ``from __future__ import annotations``), and pint is imported lazily.
    Quantity = Dose = Amount = Duration = DoseRate = Any
    Length = Mass = Area = Clearance = Creatinine = DosePerArea = DosePerMass = TargetAuc = Any

#: The units of each kind, as literal types for the overloads below.
DoseUnit: TypeAlias = Literal["Gy", "cGy"]
AmountUnit: TypeAlias = Literal["mg", "mcg", "g"]
DurationUnit: TypeAlias = Literal["d", "wk", "h"]
DoseRateUnit: TypeAlias = Literal["Gy/d", "cGy/d"]
LengthUnit: TypeAlias = Literal["cm", "m"]
MassUnit: TypeAlias = Literal["kg"]
AreaUnit: TypeAlias = Literal["m2"]
ClearanceUnit: TypeAlias = Literal["mL/min"]
CreatinineUnit: TypeAlias = Literal["mg/dL", "umol/L"]
DosePerAreaUnit: TypeAlias = Literal["mg/m2"]
DosePerMassUnit: TypeAlias = Literal["mg/kg"]
TargetAucUnit: TypeAlias = Literal["AUC"]


class Kind(enum.Enum):
    """A kind of field, with the units it accepts (first one is the canonical unit)."""

    DOSE = ("absorbed dose", ("Gy", "cGy"))
    AMOUNT = ("drug amount", ("mg", "mcg", "g"))
    DURATION = ("duration", ("d", "wk", "h"))
    DOSE_RATE = ("dose rate", ("Gy/d", "cGy/d"))
    LENGTH = ("length", ("cm", "m"))
    MASS = ("body weight", ("kg",))
    AREA = ("body surface area", ("m2",))
    CLEARANCE = ("clearance", ("mL/min",))
    CREATININE = ("serum creatinine", ("mg/dL", "umol/L"))
    DOSE_PER_AREA = ("dose per body surface area", ("mg/m2",))
    DOSE_PER_MASS = ("dose per body weight", ("mg/kg",))
    #: Calvert's target area under the curve, in mg/mL x min; the unit is written "AUC" (as
    #: in "AUC 5") because UCUM's "mg.min/mL" is not a symbol pint can hold.
    TARGET_AUC = ("target AUC", ("AUC",))

    def __init__(self, label: str, units: tuple[str, ...]) -> None:
        self.label = label
        self.units = units

    @property
    def canonical(self) -> str:
        """The unit every computation of this kind is done in."""
        return self.units[0]


# Final, so that mypy sees each as its literal member and picks the kind's overload.
DOSE: Final = Kind.DOSE
AMOUNT: Final = Kind.AMOUNT
DURATION: Final = Kind.DURATION
DOSE_RATE: Final = Kind.DOSE_RATE
LENGTH: Final = Kind.LENGTH
MASS: Final = Kind.MASS
AREA: Final = Kind.AREA
CLEARANCE: Final = Kind.CLEARANCE
CREATININE: Final = Kind.CREATININE
DOSE_PER_AREA: Final = Kind.DOSE_PER_AREA
DOSE_PER_MASS: Final = Kind.DOSE_PER_MASS
TARGET_AUC: Final = Kind.TARGET_AUC

#: Micromoles per litre of creatinine in one mg/dL (the factor the issue and most labs use).
CREATININE_UMOL_PER_MG_DL = Decimal("88.42")

#: Exact factor from each accepted unit to its kind's canonical unit.
_FACTORS: dict[str, Decimal] = {
    "Gy": Decimal(1),
    "cGy": Decimal("0.01"),
    "mg": Decimal(1),
    "mcg": Decimal("0.001"),
    "g": Decimal(1000),
    "d": Decimal(1),
    "wk": Decimal(7),
    # An hour is 1/24 d: not a finite decimal, so 28 significant digits (Decimal's default
    # context); 6 h, 1.5 h and 8 h still convert to days and back to the same float.
    "h": Decimal(1) / Decimal(24),
    "Gy/d": Decimal(1),
    "cGy/d": Decimal("0.01"),
    "cm": Decimal(1),
    "m": Decimal(100),
    "kg": Decimal(1),
    "m2": Decimal(1),
    "mL/min": Decimal(1),
    "mg/dL": Decimal(1),
    "umol/L": Decimal(1) / CREATININE_UMOL_PER_MG_DL,
    "mg/m2": Decimal(1),
    "mg/kg": Decimal(1),
    "AUC": Decimal(1),
}

_KIND_OF_UNIT: dict[str, Kind] = {u: k for k in Kind for u in k.units}

#: Units people write that regimen refuses, with the reason given back to them.
_REFUSED: dict[str, str] = {
    "sv": "Sv is an equivalent dose (radiation protection), not an absorbed dose; use Gy or cGy",
    "msv": "mSv is an equivalent dose (radiation protection), not an absorbed dose; use Gy or cGy",
    "rad": "'rad' is ambiguous (the old radiation unit or the radian); use cGy (1 rad = 1 cGy)",
    "j/kg": "J/kg is not accepted; write an absorbed dose in Gy or cGy",
    "ug": "'ug' is an ISMP error-prone abbreviation; write mcg",
    "µg": "'µg' is an ISMP error-prone abbreviation; write mcg",
    "μg": "'μg' is an ISMP error-prone abbreviation; write mcg",
    "u": "'U' is an ISMP error-prone abbreviation; write 'units' in full (and units are not "
    "accepted for these drugs)",
    "iu": "'IU' is an ISMP error-prone abbreviation and not accepted here",
    "kgy": "kGy is not a therapeutic dose unit; use Gy or cGy",
    "mgy": "mGy is not accepted; use Gy or cGy",
    "ml": "mL is a volume, not a drug amount; write the amount in mg, mcg or g",
    "kg": "kg is not accepted for a drug amount; use mg, mcg or g",
    "days": "write days as 'd' (e.g. '21 d')",
    "day": "write days as 'd' (e.g. '21 d')",
    "weeks": "write weeks as 'wk' (e.g. '3 wk')",
    "w": "write weeks as 'wk' (e.g. '3 wk')",
    "hr": "write hours as 'h' (e.g. '6 h')",
    "hrs": "write hours as 'h' (e.g. '6 h')",
    "hours": "write hours as 'h' (e.g. '6 h')",
    "hour": "write hours as 'h' (e.g. '6 h')",
    "in": "write a height in cm (1 in = 2.54 cm)",
    "inch": "write a height in cm (1 in = 2.54 cm)",
    "inches": "write a height in cm (1 in = 2.54 cm)",
    "ft": "write a height in cm (1 ft = 30.48 cm)",
    "mm": "write a height in cm or m",
    "lb": "write a weight in kg (1 lb = 0.45359237 kg)",
    "lbs": "write a weight in kg (1 lb = 0.45359237 kg)",
    "m²": "write square metres as 'm2'",
    "m^2": "write square metres as 'm2'",
    "ml/min/1.73m2": "a GFR normalised to 1.73 m2 is not a clearance in mL/min; multiply it by "
    "the body surface area / 1.73 m2 first",
    "ml/min/1.73m²": "a GFR normalised to 1.73 m2 is not a clearance in mL/min; multiply it by "
    "the body surface area / 1.73 m2 first",
    "ml/s": "write a clearance in mL/min",
    "µmol/l": "write micromoles per litre as 'umol/L'",
    "μmol/l": "write micromoles per litre as 'umol/L'",
    "mmol/l": "write serum creatinine in umol/L or mg/dL (1 mmol/L = 1000 umol/L)",
    "mg/l": "write serum creatinine in mg/dL or umol/L (1 mg/dL = 10 mg/L)",
}

_QUANTITY_RE = re.compile(
    r"^\s*(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<unit>\S.*?)?\s*$",
    re.ASCII,
)

#: Largest magnitude accepted anywhere, in the canonical unit; beyond it a value is refused
#: as absurd rather than carried into arithmetic that overflows.
MAX_MAGNITUDE = Decimal("1e6")
#: Smallest magnitude accepted, in the canonical unit (0.0001 Gy = 0.01 cGy; 0.0001 mg =
#: 0.1 mcg): below it a value would print as 0 at the four places every output shows.
MIN_MAGNITUDE = Decimal("0.0001")


@cache
def registry() -> pint.UnitRegistry[Any]:
    """Return the package's one unit registry, built on first use from ``units.txt``."""
    import pint

    ureg: pint.UnitRegistry[Any] = pint.UnitRegistry(
        None, autoconvert_offset_to_baseunit=False, cache_folder=None
    )
    ureg.load_definitions(str(Path(__file__).with_name("units.txt")))
    global _QUANTITY_CLASS
    _QUANTITY_CLASS = ureg.Quantity
    return ureg


#: The registry's quantity class, once :func:`registry` has built it (for exact type checks).
_QUANTITY_CLASS: type[pint.Quantity[Any]] | None = None

#: Accepted unit -> (quantity class, pint's unit container, whether the direct build is exact).
_UNIT_ENTRIES: dict[str, tuple[type[pint.Quantity[Any]], Any, bool]] = {}


def _unit_entry(unit: str) -> tuple[type[pint.Quantity[Any]], Any, bool]:
    """What :func:`quantity` needs for ``unit``, worked out once per unit.

    Pint's constructor parses the unit and inspects the value on every call (about 4 us, most
    of a BED). A quantity of this registry is just its float magnitude and its unit container,
    so :func:`quantity` sets those two directly; the first time, the result is compared with
    the constructor's and the constructor is used whenever they differ in any attribute (a
    pint release with another layout), so the shortcut can only ever give the same object.
    """
    cls = registry().Quantity
    units = registry().parse_units(unit)._units
    slow = cls(1.0, units)
    fast = object.__new__(cls)
    fast._magnitude = 1.0
    fast._units = units
    exact = type(fast) is type(slow) and vars(fast) == vars(slow)
    return cls, units, exact


@overload
def quantity(value: float | int | Decimal, unit: DoseUnit) -> Dose: ...
@overload
def quantity(value: float | int | Decimal, unit: AmountUnit) -> Amount: ...
@overload
def quantity(value: float | int | Decimal, unit: DurationUnit) -> Duration: ...
@overload
def quantity(value: float | int | Decimal, unit: DoseRateUnit) -> DoseRate: ...
@overload
def quantity(value: float | int | Decimal, unit: LengthUnit) -> Length: ...
@overload
def quantity(value: float | int | Decimal, unit: MassUnit) -> Mass: ...
@overload
def quantity(value: float | int | Decimal, unit: AreaUnit) -> Area: ...
@overload
def quantity(value: float | int | Decimal, unit: ClearanceUnit) -> Clearance: ...
@overload
def quantity(value: float | int | Decimal, unit: CreatinineUnit) -> Creatinine: ...
@overload
def quantity(value: float | int | Decimal, unit: DosePerAreaUnit) -> DosePerArea: ...
@overload
def quantity(value: float | int | Decimal, unit: DosePerMassUnit) -> DosePerMass: ...
@overload
def quantity(value: float | int | Decimal, unit: TargetAucUnit) -> TargetAuc: ...
@overload
def quantity(value: float | int | Decimal, unit: str) -> Quantity: ...
def quantity(value: float | int | Decimal, unit: str) -> Quantity:
    """Make a quantity in one of the accepted units.

    >>> format_quantity(quantity(12, "mg"))
    '12 mg'
    """
    entry = _UNIT_ENTRIES.get(unit)
    if entry is None:
        if unit not in _FACTORS:
            raise UnitError(f"unit {unit!r} is not one regimen accepts")
        entry = _UNIT_ENTRIES[unit] = _unit_entry(unit)
    cls, units, exact = entry
    magnitude = float(value)
    if not exact:  # pragma: no cover - only with a pint whose quantities hold more
        return cls(magnitude, units)
    q: Quantity = object.__new__(cls)
    q._magnitude = magnitude
    q._units = units
    return q


def kind_of(q: Quantity) -> Kind:
    """The kind of a quantity, from its unit."""
    unit = unit_symbol(q)
    try:
        return _KIND_OF_UNIT[unit]
    except KeyError:
        raise UnitError(f"unit {unit!r} is not one regimen accepts") from None


@overload
def unit_symbol(q: Dose) -> DoseUnit: ...
@overload
def unit_symbol(q: Amount) -> AmountUnit: ...
@overload
def unit_symbol(q: Duration) -> DurationUnit: ...
@overload
def unit_symbol(q: DoseRate) -> DoseRateUnit: ...
@overload
def unit_symbol(q: Length) -> LengthUnit: ...
@overload
def unit_symbol(q: Mass) -> MassUnit: ...
@overload
def unit_symbol(q: Area) -> AreaUnit: ...
@overload
def unit_symbol(q: Clearance) -> ClearanceUnit: ...
@overload
def unit_symbol(q: Creatinine) -> CreatinineUnit: ...
@overload
def unit_symbol(q: Quantity) -> str: ...
def unit_symbol(q: Quantity) -> str:
    """The unit of ``q`` as regimen writes it (``cGy``, ``mg``, ``Gy/d``).

    Memoised on the unit alone (pint's unit container is hashable and immutable): running
    pint's formatter for every quantity was most of the cost of a BED.
    """
    units = q._units
    hit = _SYMBOLS.get(id(units))
    if hit is not None and hit[0] is units:
        return hit[1]
    symbol = _symbol_of(units)
    if len(_SYMBOLS) < _MAX_SYMBOLS:
        _SYMBOLS[id(units)] = (units, symbol)
    return symbol


#: id(unit container) -> (the container, its symbol). Keyed by id: a container hashes in Python
#: code, and regimen's quantities share a few containers. The container is kept in the entry,
#: so its id cannot be reused while the entry lives; bounded, as arithmetic makes new ones.
_SYMBOLS: dict[int, tuple[Any, str]] = {}
_MAX_SYMBOLS = 256


@cache
def _symbol_of(units: Any) -> str:
    return str(format(registry().Unit(units), "~")).replace(" ", "")


@overload
def require(q: object, kind: Literal[Kind.DOSE], what: str = ...) -> Dose: ...
@overload
def require(q: object, kind: Literal[Kind.AMOUNT], what: str = ...) -> Amount: ...
@overload
def require(q: object, kind: Literal[Kind.DURATION], what: str = ...) -> Duration: ...
@overload
def require(q: object, kind: Literal[Kind.DOSE_RATE], what: str = ...) -> DoseRate: ...
@overload
def require(q: object, kind: Literal[Kind.LENGTH], what: str = ...) -> Length: ...
@overload
def require(q: object, kind: Literal[Kind.MASS], what: str = ...) -> Mass: ...
@overload
def require(q: object, kind: Literal[Kind.AREA], what: str = ...) -> Area: ...
@overload
def require(q: object, kind: Literal[Kind.CLEARANCE], what: str = ...) -> Clearance: ...
@overload
def require(q: object, kind: Literal[Kind.CREATININE], what: str = ...) -> Creatinine: ...
@overload
def require(q: object, kind: Kind, what: str = ...) -> Quantity: ...
def require(q: object, kind: Kind, what: str = "value") -> Quantity:
    """Check that ``q`` is a quantity of ``kind``; a bare number or another kind is an error.

    >>> require(12, DOSE, "dose per fraction")
    Traceback (most recent call last):
    ...
    regimen.errors.UnitError: dose per fraction: needs a unit (Gy or cGy), got the bare number 12
    """
    if type(q) is _QUANTITY_CLASS and _KIND_OF_UNIT.get(unit_symbol(q)) is kind:
        # One of ours, of the right kind: what the checks below would conclude (pint's
        # ``units`` builds an object on every access, so hasattr costs more than the rest).
        return q
    if isinstance(q, (int, float, Decimal)):
        raise UnitError(
            f"needs a unit ({' or '.join(kind.units)}), got the bare number {q}", where=what
        )
    if not hasattr(q, "units") or not hasattr(q, "magnitude"):
        raise UnitError(f"expected {_an(kind.label)}, got {q!r}", where=what)
    # Quantity-like (one of ours of another kind, or another registry's): read as a quantity
    # from here on, as before; the kind check below still applies.
    other = cast("Quantity", q)
    actual = kind_of(other)
    if actual is not kind:
        raise UnitError(
            f"{format_quantity(other)} is {_an(actual.label)}; {_an(kind.label)} needs "
            f"{' or '.join(kind.units)}",
            where=what,
        )
    return other


def _exact(q: Quantity) -> Decimal:
    """The magnitude of ``q`` in its kind's canonical unit, as an exact decimal."""
    unit = unit_symbol(q)
    return Decimal(repr(float(q.magnitude))) * _FACTORS[unit]


def magnitude(q: Quantity, unit: str) -> float:
    """The magnitude of ``q`` in ``unit`` (same kind), converted exactly in decimal.

    >>> magnitude(quantity(200, "cGy"), "Gy") == 2.0
    True
    >>> magnitude(quantity(5040, "cGy"), "Gy") == 50.4
    True
    """
    src = unit_symbol(q)
    if src == unit and src in _FACTORS:
        return float(q.magnitude)
    if src not in _FACTORS or unit not in _FACTORS or _KIND_OF_UNIT[src] is not _KIND_OF_UNIT[unit]:
        raise UnitError(f"cannot express {format_quantity(q)} in {unit}")
    return float(_exact(q) / _FACTORS[unit])


def checked_magnitude(q: Quantity, kind: Kind, unit: str, what: str = "value") -> float:
    """``magnitude(require(q, kind, what), unit)`` in one step, ``unit`` being of ``kind``.

    A quantity of ``kind`` already in ``unit`` (a dose in Gy, most of a BED's inputs) is read
    directly; anything else goes through :func:`require` and :func:`magnitude`.

    >>> checked_magnitude(quantity(400, "cGy"), DOSE, "Gy")
    4.0
    """
    if type(q) is _QUANTITY_CLASS and unit_symbol(q) == unit and _KIND_OF_UNIT[unit] is kind:
        return float(q.magnitude)
    return magnitude(require(q, kind, what), unit)


@overload
def to_unit(q: Dose, unit: DoseUnit) -> Dose: ...
@overload
def to_unit(q: Amount, unit: AmountUnit) -> Amount: ...
@overload
def to_unit(q: Duration, unit: DurationUnit) -> Duration: ...
@overload
def to_unit(q: DoseRate, unit: DoseRateUnit) -> DoseRate: ...
@overload
def to_unit(q: Length, unit: LengthUnit) -> Length: ...
@overload
def to_unit(q: Creatinine, unit: CreatinineUnit) -> Creatinine: ...
@overload
def to_unit(q: Quantity, unit: str) -> Quantity: ...
def to_unit(q: Quantity, unit: str) -> Quantity:
    """``q`` converted (exactly, in decimal) to ``unit`` of the same kind."""
    return quantity(magnitude(q, unit), unit)


@overload
def parse_quantity(text: object, kind: Literal[Kind.DOSE], what: str = ...) -> Dose: ...
@overload
def parse_quantity(text: object, kind: Literal[Kind.AMOUNT], what: str = ...) -> Amount: ...
@overload
def parse_quantity(text: object, kind: Literal[Kind.DURATION], what: str = ...) -> Duration: ...
@overload
def parse_quantity(text: object, kind: Literal[Kind.DOSE_RATE], what: str = ...) -> DoseRate: ...
@overload
def parse_quantity(text: object, kind: Literal[Kind.LENGTH], what: str = ...) -> Length: ...
@overload
def parse_quantity(text: object, kind: Literal[Kind.MASS], what: str = ...) -> Mass: ...
@overload
def parse_quantity(text: object, kind: Literal[Kind.AREA], what: str = ...) -> Area: ...
@overload
def parse_quantity(text: object, kind: Literal[Kind.CLEARANCE], what: str = ...) -> Clearance: ...
@overload
def parse_quantity(text: object, kind: Literal[Kind.CREATININE], what: str = ...) -> Creatinine: ...
@overload
def parse_quantity(
    text: object, kind: Literal[Kind.DOSE_PER_AREA], what: str = ...
) -> DosePerArea: ...
@overload
def parse_quantity(text: object, kind: Kind, what: str = ...) -> Quantity: ...
def parse_quantity(text: object, kind: Kind, what: str = "value") -> Quantity:
    """Parse ``"400 cGy"``, ``"12mg"`` or ``"21 d"`` strictly as a quantity of ``kind``.

    The number must be finite and positive (zero is allowed only for durations), and no larger
    than :data:`MAX_MAGNITUDE` in the canonical unit. ``what`` names the field in messages.

    >>> format_quantity(parse_quantity("10 x", DOSE))
    Traceback (most recent call last):
    ...
    regimen.errors.UnitError: value: unknown unit 'x' in '10 x'; an absorbed dose needs Gy or cGy
    """
    if isinstance(text, bool):
        raise UnitError(
            f"expected {_an(kind.label)} like {_example(kind)}, got {text!r}", where=what
        )
    if isinstance(text, float) and not math.isfinite(text):
        raise UnitError(
            f"expected {_an(kind.label)} like {_example(kind)}, got {text!r}", where=what
        )
    if isinstance(text, (int, float)):
        raise UnitError(
            f"needs a unit ({' or '.join(kind.units)}), got the bare number {text!r}",
            where=what,
        )
    if not isinstance(text, str):
        raise UnitError(
            f"expected {_an(kind.label)} like {_example(kind)}, got {_kind_of_value(text)}",
            where=what,
        )
    m = _QUANTITY_RE.match(text)
    if m is None:
        raise UnitError(
            f"expected {_an(kind.label)} like {_example(kind)}, got {text!r}", where=what
        )
    unit = (m.group("unit") or "").replace(" ", "")
    if not unit:
        raise UnitError(
            f"needs a unit ({' or '.join(kind.units)}), got {text.strip()!r}", where=what
        )
    try:
        value = Decimal(m.group("num"))
    except InvalidOperation:  # pragma: no cover - the regex admits only decimal numbers
        raise UnitError(f"not a number in {text!r}", where=what) from None
    symbol = _canonical_spelling(unit)
    if symbol is None:
        reason = _REFUSED.get(unit.lower())
        if reason is None:
            reason = f"unknown unit {unit!r} in {text!r}; {_an(kind.label)} needs " + " or ".join(
                kind.units
            )
        raise UnitError(reason, where=what)
    actual = _KIND_OF_UNIT[symbol]
    if actual is not kind:
        raise UnitError(
            f"{text.strip()!r} is {_an(actual.label)}; {_an(kind.label)} needs "
            + " or ".join(kind.units),
            where=what,
        )
    canonical = value * _FACTORS[symbol]
    if canonical <= 0 and kind is not DURATION:
        raise UnitError(f"must be greater than zero, got {text.strip()!r}", where=what)
    if canonical < 0:
        raise UnitError(f"must not be negative, got {text.strip()!r}", where=what)
    if 0 < canonical < MIN_MAGNITUDE:
        raise UnitError(
            f"must be at least {_plain(MIN_MAGNITUDE)} {kind.canonical}, got {text.strip()!r}",
            where=what,
        )
    if canonical > MAX_MAGNITUDE:
        raise UnitError(
            f"{text.strip()!r} is beyond any plausible {kind.label} "
            f"(limit {_plain(MAX_MAGNITUDE)} {kind.canonical})",
            where=what,
        )
    return quantity(value, symbol)


def _kind_of_value(value: object) -> str:
    names = {
        "date": "a date",
        "datetime": "a date-time",
        "time": "a time",
        "list": "an array",
        "dict": "a table",
        "str": "a string",
        "bool": "a boolean",
    }
    name = type(value).__name__
    return names.get(name, f"a {name}")


def _canonical_spelling(unit: str) -> str | None:
    """The accepted symbol ``unit`` spells (exact case first, then a case-insensitive match
    that is unambiguous: ``gy`` -> ``Gy``, ``CGY`` -> ``cGy``, ``MG`` -> ``mg``)."""
    if unit in _FACTORS:
        return unit
    matches = [u for u in _FACTORS if u.lower() == unit.lower()]
    return matches[0] if len(matches) == 1 else None


def _an(label: str) -> str:
    return ("an " if label[0] in "aeiou" else "a ") + label


def _example(kind: Kind) -> str:
    return {
        DOSE: "'400 cGy'",
        AMOUNT: "'12 mg'",
        DURATION: "'21 d'",
        DOSE_RATE: "'0.9 Gy/d'",
        LENGTH: "'170 cm'",
        MASS: "'70 kg'",
        AREA: "'1.8 m2'",
        CLEARANCE: "'90 mL/min'",
        CREATININE: "'0.9 mg/dL' or '80 umol/L'",
        DOSE_PER_AREA: "'225 mg/m2'",
        DOSE_PER_MASS: "'1.5 mg/kg'",
        TARGET_AUC: "'AUC 5'",
    }[kind]


def _plain(value: Decimal) -> str:
    """A decimal as plain text: no exponent, no trailing zeros, a leading zero."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def format_number(value: float | int | Decimal, places: int = 4) -> str:
    """A number in ISMP-safe form, rounded half-up to ``places`` decimals.

    >>> format_number(12.0), format_number(0.5), format_number(163.333333, 2)
    ('12', '0.5', '163.33')
    >>> format_number(-0.00001)
    '0'
    """
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise UnitError(f"not a finite number: {value}")
    dec = value if isinstance(value, Decimal) else Decimal(repr(value))
    step = Decimal(1).scaleb(-places)
    return _plain(dec.quantize(step, rounding=ROUND_HALF_UP))


def format_quantity(q: Quantity, places: int = 4) -> str:
    """A quantity in ISMP-safe notation: ``12 mg``, ``0.5 mg``, ``4 Gy``, ``1.8 Gy``.

    No trailing zeros, a leading zero before a decimal point, one space before the unit, and
    the unit as regimen spells it (``mcg``, never ``ug``).

    >>> format_quantity(quantity(12.0, "mg")), format_quantity(quantity(0.25, "mcg"))
    ('12 mg', '0.25 mcg')
    """
    return f"{_format_float(float(q.magnitude), places)} {unit_symbol(q)}"


@functools.lru_cache(maxsize=1024)
def _format_float(value: float, places: int) -> str:
    """:func:`format_number` of a float, memoised (the same few doses are formatted on every
    event of a calendar). 0.0 and -0.0 share an entry: both are written ``0``."""
    return format_number(value, places)


def to_json(q: Quantity, places: int | None = None) -> dict[str, object]:
    """The JSON contract for a quantity: ``{"value": <number>, "unit": "<unit>"}``.

    Whole numbers are written as integers (``12``, not ``12.0``).

    >>> to_json(quantity(12.0, "mg"))
    {'value': 12, 'unit': 'mg'}
    """
    value = float(q.magnitude)
    if places is not None:
        value = round(value, places)
    number: int | float = int(value) if value.is_integer() else value
    return {"value": number, "unit": unit_symbol(q)}


#: Abbreviations ISMP lists as error-prone; none may appear in text a person reads.
BANNED_ABBREVIATIONS = (
    "qd",
    "q.d.",
    "qod",
    "q.o.d.",
    "od",
    "u",
    "iu",
    "ug",
    "µg",
    "μg",
    "cc",
    "hs",
    "tiw",
    "sc",
    "sq",
    "d/c",
    "qhs",
)
_BANNED_RE = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(a) for a in BANNED_ABBREVIATIONS) + r")(?![\w])",
    re.IGNORECASE,
)
_TRAILING_ZERO_RE = re.compile(r"\b\d+\.0+\s*(?:mg|mcg|g|Gy|cGy)\b")
_NAKED_DECIMAL_RE = re.compile(r"(?<![\w.])\.\d+\s*(?:mg|mcg|g|Gy|cGy)\b")


def unsafe_notation(text: str) -> str | None:
    """Say what is unsafe in human-facing ``text`` (ISMP), or return None if it is safe.

    >>> unsafe_notation("12 mg once daily") is None
    True
    >>> unsafe_notation("12 mg qd")
    "error-prone abbreviation 'qd'"
    """
    m = _BANNED_RE.search(text)
    if m:
        return f"error-prone abbreviation {m.group(1)!r}"
    m = _TRAILING_ZERO_RE.search(text)
    if m:
        return f"trailing zero in {m.group(0)!r}"
    m = _NAKED_DECIMAL_RE.search(text)
    if m:
        return f"missing leading zero in {m.group(0)!r}"
    return None
