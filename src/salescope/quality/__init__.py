"""Validation: parse values in the engine, accept or quarantine each row, score quality."""

from salescope.quality.validate import Lines, Validation, validate

__all__ = ["Lines", "Validation", "validate"]
