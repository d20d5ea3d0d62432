"""Declared model parameters: each has a name, a unit, a range, a default and a justification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Param:
    """One model parameter, as shown to readers and checked on input."""

    name: str
    label: str
    unit: str
    low: float
    high: float
    default: float
    step: float
    justification: str

    def check(self, value: float) -> float:
        """Return ``value`` as a float; raise ``ValueError`` naming the parameter and its range."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{self.name} must be a number, got {value!r}") from None
        if not (self.low <= number <= self.high):
            raise ValueError(
                f"{self.name}={value!r} is out of range [{self.low}, {self.high}] ({self.unit})"
            )
        return number


def check_all(params: dict[str, Param], values: dict[str, Any]) -> dict[str, float]:
    """Fill defaults, reject unknown names and check every value against its declared range."""
    unknown = sorted(set(values) - set(params))
    if unknown:
        raise ValueError(f"unknown parameter(s): {', '.join(unknown)}; known: {', '.join(params)}")
    return {name: p.check(values.get(name, p.default)) for name, p in params.items()}
