"""``regimen check-fhir``: is a file FHIR that a FHIR R4 system will accept?

Two passes, each finding one line (``entry[3].resource.status: 'foo' is not a
MedicationRequest status``):

1. the ``fhir.resources`` models for R4B (which read R4 content for the resources regimen
   writes; the package's default R5 models do not): structure, types, required elements. The
   package is an optional extra (``regimen[fhir]``), imported only here;
2. what those models do not check: required codes from their value sets (Bundle.type, the
   status and intent of every request, AdverseEvent.actuality...), UCUM units (every Quantity
   in UCUM, with a unit regimen writes), references that resolve inside the Bundle (``urn:uuid``
   and ``#`` references, and canonical references to a ``urn:uuid``; a relative ``Type/id`` or
   absolute URL may point to a server and is left alone unless the Bundle holds that
   resource type and id), and no entry twice (fullUrl, or resource type and id).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from regimen.errors import InputError

#: The largest file read [bytes].
MAX_FHIR_BYTES = 64 * 1024 * 1024

#: Required bindings (FHIR R4), by resource type and element.
REQUIRED_CODES: dict[str, dict[str, tuple[str, ...]]] = {
    "Bundle": {
        "type": (
            "document",
            "message",
            "transaction",
            "transaction-response",
            "batch",
            "batch-response",
            "history",
            "searchset",
            "collection",
        )
    },
    "PlanDefinition": {"status": ("draft", "active", "retired", "unknown")},
    "CarePlan": {
        "status": (
            "draft",
            "active",
            "on-hold",
            "revoked",
            "completed",
            "entered-in-error",
            "unknown",
        ),
        "intent": ("proposal", "plan", "order", "option"),
    },
    "MedicationRequest": {
        "status": (
            "active",
            "on-hold",
            "cancelled",
            "completed",
            "entered-in-error",
            "stopped",
            "draft",
            "unknown",
        ),
        "intent": (
            "proposal",
            "plan",
            "order",
            "original-order",
            "reflex-order",
            "filler-order",
            "instance-order",
            "option",
        ),
    },
    "ServiceRequest": {
        "status": (
            "draft",
            "active",
            "on-hold",
            "revoked",
            "completed",
            "entered-in-error",
            "unknown",
        ),
        "intent": (
            "proposal",
            "plan",
            "directive",
            "order",
            "original-order",
            "reflex-order",
            "filler-order",
            "instance-order",
            "option",
        ),
    },
    "AdverseEvent": {"actuality": ("actual", "potential")},
}
#: Required bindings of data types, by element name wherever it appears.
RELATED_ARTIFACT_TYPES = (
    "documentation",
    "justification",
    "citation",
    "predecessor",
    "successor",
    "derived-from",
    "depends-on",
    "composed-of",
)
TIME_UNITS = ("s", "min", "h", "d", "wk", "mo", "a")
UCUM = "http://unitsofmeasure.org"
#: The UCUM codes regimen writes (doses, radiation doses, body size, time): an allow-list, so a
#: typing slip (``mgs``) is caught where a syntax check would pass it.
UCUM_ALLOWED = frozenset(
    {"mg", "ug", "g", "Gy", "cGy", "mg/m2", "mg/kg", "mg.min/mL", "m2", "kg", "mL/min", "d", "h"}
)
#: Elements of type Quantity (or a Quantity profile) in the resources regimen writes.
QUANTITY_KEYS = frozenset(
    {"doseQuantity", "valueQuantity", "quantityQuantity", "maxDosePerAdministration", "low", "high"}
)


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


def _path(parts: tuple[Any, ...]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, (*path, i))


def _codes(resource: dict[str, Any], at: tuple[Any, ...]) -> Iterator[str]:
    kind = resource.get("resourceType")
    for element, allowed in REQUIRED_CODES.get(str(kind), {}).items():
        value = resource.get(element)
        if value is not None and value not in allowed:
            what = f"{_article(str(kind))} {kind} {element}"
            yield f"{_path((*at, element))}: {value!r} is not {what}"
    for path, node in _walk(resource, at):
        if not isinstance(node, dict):
            continue
        if len(path) > 1 and path[-2] in ("relatedArtifact", "documentation"):
            kind_ = node.get("type")
            if "type" in node and kind_ not in RELATED_ARTIFACT_TYPES:
                yield f"{_path((*path, 'type'))}: {kind_!r} is not a RelatedArtifact type"
        if path and path[-1] == "repeat":
            for unit in ("periodUnit", "durationUnit"):
                if unit in node and node[unit] not in TIME_UNITS:
                    yield f"{_path((*path, unit))}: {node[unit]!r} is not a unit of time"


def _units(resource: dict[str, Any], at: tuple[Any, ...]) -> Iterator[str]:
    for path, node in _walk(resource, at):
        if not isinstance(node, dict) or not path or path[-1] not in QUANTITY_KEYS:
            continue
        if "value" not in node:
            continue
        where = _path(path)
        if node.get("system") != UCUM:
            yield f"{where}: the quantity is not in UCUM (system {UCUM})"
        elif node.get("code") not in UCUM_ALLOWED:
            yield f"{where}.code: {node.get('code')!r} is not a UCUM unit regimen writes"


def _references(
    data: dict[str, Any], resources: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> Iterator[str]:
    full_urls = {
        e.get("fullUrl") for e in data.get("entry", []) if isinstance(e, dict) and e.get("fullUrl")
    }
    typed = {(r.get("resourceType"), r.get("id")) for _, r in resources}
    canonicals = {r.get("url") for _, r in resources if r.get("url")}
    for at, resource in resources:
        contained = {
            f"#{c.get('id')}" for c in resource.get("contained", []) if isinstance(c, dict)
        }
        for path, node in _walk(resource, at):
            if not isinstance(node, dict):
                continue
            ref = node.get("reference")
            if isinstance(ref, str):
                where = _path((*path, "reference"))
                if ref.startswith("urn:uuid:") and ref not in full_urls:
                    yield f"{where}: {ref!r} does not resolve inside the Bundle"
                elif ref.startswith("#") and ref not in contained:
                    yield f"{where}: {ref!r} names no contained resource"
                elif "/" in ref and "://" not in ref and not ref.startswith("urn:"):
                    rtype, _, rid = ref.partition("/")
                    if any(t == rtype for t, _ in typed) and (rtype, rid) not in typed:
                        yield f"{where}: {ref!r} does not resolve inside the Bundle"
        for i, url in enumerate(resource.get("instantiatesCanonical", []) or []):
            if isinstance(url, str) and url.startswith("urn:uuid:") and url not in canonicals:
                where = _path((*at, "instantiatesCanonical", i))
                yield f"{where}: {url!r} is the url of no resource in the Bundle"


def _duplicates(data: dict[str, Any]) -> Iterator[str]:
    seen_urls: dict[str, int] = {}
    seen_ids: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(data.get("entry", []) or []):
        if not isinstance(entry, dict):
            continue
        # One finding an entry: a repeated fullUrl, else a repeated resource type and id.
        url = entry.get("fullUrl")
        if isinstance(url, str) and url in seen_urls:
            yield f"entry[{i}].fullUrl: {url!r} is also entry[{seen_urls[url]}]'s"
            continue
        if isinstance(url, str):
            seen_urls[url] = i
        resource = entry.get("resource")
        if isinstance(resource, dict) and resource.get("id"):
            key = (str(resource.get("resourceType")), str(resource["id"]))
            if key in seen_ids:
                yield f"entry[{i}].resource.id: {key[0]}/{key[1]} is also entry[{seen_ids[key]}]'s"
            else:
                seen_ids[key] = i


def own_checks(data: dict[str, Any]) -> list[str]:
    """The checks the models skip (module docstring), one finding a line."""
    resources: list[tuple[tuple[Any, ...], dict[str, Any]]] = [((), data)]
    if data.get("resourceType") == "Bundle":
        for i, entry in enumerate(data.get("entry", []) or []):
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                resources.append((("entry", i, "resource"), entry["resource"]))
    findings: list[str] = []
    for at, resource in resources:
        findings += _codes(resource, at)
        if at or data.get("resourceType") != "Bundle":
            findings += _units(resource, at)
    if data.get("resourceType") == "Bundle":
        findings += _references(data, resources[1:])
        findings += _duplicates(data)
    return findings


def model_checks(data: dict[str, Any]) -> list[str]:
    """Validation with the ``fhir.resources`` R4B models, one finding a line (an
    :class:`InputError` naming the extra when the package is not installed)."""
    try:
        from fhir.resources.R4B import get_fhir_model_class
        from pydantic import ValidationError
    except ImportError:
        raise InputError(
            "needs the fhir.resources package: install regimen[fhir]", where="check-fhir"
        ) from None
    kind = data.get("resourceType")
    if not isinstance(kind, str):
        return ["resourceType: missing; not a FHIR resource"]
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError, AttributeError, ImportError):
        return [f"resourceType: {kind!r} is not an R4B resource type"]
    try:
        model.model_validate(data)
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            where = _path(tuple(err.get("loc", ())))
            out.append(f"{where or kind}: {err.get('msg', 'invalid')}")
        return out
    return []


def load(data: bytes) -> dict[str, Any]:
    """The JSON object in ``data``, or an :class:`InputError` (not JSON, not an object)."""
    try:
        parsed = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"is not JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(parsed, dict):
        raise InputError("is not a FHIR resource (a JSON object)")
    return parsed


def check(data: bytes) -> list[str]:
    """Every finding in the FHIR JSON ``data``: the models' first, then the other checks."""
    parsed = load(data)
    return model_checks(parsed) + own_checks(parsed)
