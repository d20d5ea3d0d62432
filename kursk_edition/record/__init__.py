"""The record: the paragraph registry, the bibliography, the scorecard and the data tables,
each loaded from its file and checked (``validate.validate_record`` checks them all)."""
