"""Every data file, validated in one call: the build runs this before reading any chapter."""

from __future__ import annotations

from kursk_edition import hindsight, leverage
from kursk_edition import registry as paragraph_registry


def validate_data_files(reg: paragraph_registry.Registry) -> None:
    """Load and check every table and list in ``data/`` besides the registry."""
    leverage.load_held_area()
    hindsight.load_scorecard(reg=reg)
    hindsight.load_events()
    hindsight.load_places()


def validate_all() -> paragraph_registry.Registry:
    """Load and check the registry, the bibliography and every file in ``data/``.

    The first problem raises ``DataError`` naming the file, the paragraph or row, and the field.
    """
    reg = paragraph_registry.validate()
    validate_data_files(reg)
    return reg
