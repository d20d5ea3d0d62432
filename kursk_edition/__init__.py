"""Models, charts, widgets and data validation for the annotated Kursk edition."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
