"""Declared model parameters.

A model's parameters are a frozen dataclass whose fields are declared with :func:`parameter`:
each has a label, a unit, a range, a step, a default and a justification, and every value is
range-checked when the object is made (``ValueError`` names the parameter and its range).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Self


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

    def check(self, value: Any) -> float:
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

    def sweep(self) -> list[float]:
        """The range on its own step grid, both ends included."""
        count = int(round((self.high - self.low) / self.step)) + 1
        return [round(self.low + i * self.step, 10) for i in range(count)]


def parameter(
    label: str,
    unit: str,
    low: float,
    high: float,
    default: float,
    step: float,
    justification: str,
) -> Any:
    """A dataclass field declaring one parameter (its name is the field's name)."""
    declared = {"label": label, "unit": unit, "low": low, "high": high, "step": step}
    return dataclasses.field(
        default=float(default),
        metadata={"param": {**declared, "default": float(default), "why": justification}},
    )


class Parameters:
    """Base of a model's frozen parameter dataclass: declared fields, checked on creation."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __post_init__(self) -> None:
        for name, spec in self.declared().items():
            # The documented way for a frozen dataclass to normalise its own fields.
            object.__setattr__(self, name, spec.check(getattr(self, name)))

    @classmethod
    def declared(cls) -> dict[str, Param]:
        """Every parameter's declaration, in field order."""
        out = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            m = f.metadata["param"]
            out[f.name] = Param(
                f.name, m["label"], m["unit"], m["low"], m["high"], m["default"], m["step"],
                m["why"],
            )  # fmt: skip
        return out

    @classmethod
    def of(cls, values: dict[str, Any] | None = None, **changes: Any) -> Self:
        """Defaults, overridden by ``values`` and ``changes``; an unknown name is a ValueError."""
        chosen = {**(values or {}), **changes}
        unknown = sorted(set(chosen) - set(cls.declared()))
        if unknown:
            known = ", ".join(cls.declared())
            raise ValueError(f"unknown parameter(s): {', '.join(unknown)}; known: {known}")
        return cls(**chosen)

    def replace(self, **changes: Any) -> Self:
        """A copy with some parameters changed (checked like any other)."""
        return type(self).of(self.as_dict(), **changes)

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.declared()}
