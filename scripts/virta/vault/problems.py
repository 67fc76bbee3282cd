"""The vault generator's errors: every problem found in a stage at once, each with a stable code
(documented in README, "How the vault is made"), the file and the entry it is about."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from virta.errors import VirtaError
from virta.paths import PROJECT_ROOT


@dataclass(frozen=True)
class Problem:
    code: str  # V1xx: shape of the YAML (parse); V2xx: meaning (validate); V3xx: plan
    path: Path
    where: str
    message: str

    def __str__(self) -> str:
        shown = self.path.relative_to(PROJECT_ROOT) if self.path.is_relative_to(PROJECT_ROOT) else self.path
        return f"{shown}: {self.where}: {self.message} [{self.code}]"


class VaultModelError(VirtaError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = [str(p) for p in problems]
        head = lines[0] if len(lines) == 1 else f"{len(lines)} problems in the concept model:\n  " + "\n  ".join(lines)
        super().__init__(head, hint="fix the concept model (concept_model/) and run `virta vault generate` again")


@dataclass
class Problems:
    found: list[Problem] = field(default_factory=list)

    def add(self, code: str, path: Path, where: str, message: str) -> None:
        self.found.append(Problem(code, path, where, message))

    def raise_if_any(self) -> None:
        if self.found:
            raise VaultModelError(self.found)
