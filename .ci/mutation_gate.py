"""The mutation gate of the clinical core, run by .ci/run after ``mutmut run``.

Reads ``mutmut results --all true`` (one ``name: status`` line per mutant), counts per module the
mutants the tests detect (``killed``, and ``timeout``: the mutant made a test hang), and exits 1
when a module's score is below its gate. The gates and the reasons for every surviving mutant
are in docs/testing.md.
"""

from __future__ import annotations

import collections
import subprocess
import sys

GATES = {"radiobiology": 95.0, "modification": 95.0, "schedule": 95.0, "cumulative": 95.0}
DETECTED = {"killed", "timeout"}


def main() -> int:
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if not sep or not name.startswith("regimen."):
            continue
        module = name.split(".")[1]
        counts[module][status.strip()] += 1
    failed = False
    for module, gate in GATES.items():
        c = counts.get(module)
        total = sum(c.values()) if c else 0
        if not total:
            print(f"{module}: no mutants found (is it in [tool.mutmut] only_mutate?)")  # noqa: T201
            failed = True
            continue
        detected = sum(n for status, n in c.items() if status in DETECTED)
        score = 100 * detected / total
        verdict = "ok" if score >= gate else f"BELOW the {gate:g}% gate"
        others = ", ".join(f"{n} {s}" for s, n in sorted(c.items()) if s not in DETECTED)
        line = f"{module}: {detected}/{total} detected ({score:.1f}%) {verdict}"
        print(f"{line}; {others or 'none left'}")  # noqa: T201
        failed |= score < gate
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
