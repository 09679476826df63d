"""Sources: where a figure or a rule in a regimen file comes from."""

from __future__ import annotations

import enum

import attrs


class SourceKind(enum.Enum):
    """What kind of authority a source is; every modification rule says which it rests on."""

    PAPER = "paper"  # a published study or case report (the regimen itself)
    LABEL = "label"  # the product's prescribing information
    CONSENSUS = "consensus"  # an expert consensus or guideline
    PROTOCOL = "protocol"  # a study protocol
    LOCAL = "local"  # a local policy: not from the label, say so


@attrs.frozen
class Source:
    """A citation, keyed by a short id that rules refer to."""

    key: str
    kind: SourceKind
    citation: str
    doi: str = ""
    url: str = ""
    note: str = ""
    title: str = ""

    def short(self) -> str:
        """``source: title [kind]`` for one-line explanations (the key when there is no title)."""
        return f"source: {self.title or self.key} [{self.kind.value}]"
