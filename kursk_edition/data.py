"""The data files besides the registry, checked in one call before the build reads any chapter
(the Sphinx extension calls it when they, the bibliography or the package's code changed)."""

from __future__ import annotations

from kursk_edition import hindsight, leverage
from kursk_edition import registry as paragraph_registry


def validate_data_files(reg: paragraph_registry.Registry) -> None:
    """Load and check every table and list in ``data/`` besides the registry.

    The first problem raises ``DataError`` naming the file, the row and the field.
    """
    leverage.load_held_area()
    hindsight.load_scorecard(reg=reg)
    hindsight.load_events()
    hindsight.load_places()
