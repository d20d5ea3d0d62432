"""The Altair charts, and the renderer that serves them to the three media (``render``)."""
