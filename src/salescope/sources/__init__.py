"""Reading inputs (files, globs, directories) into one Ibis table."""

from salescope.sources.files import InputFile, Source, read_inputs

__all__ = ["InputFile", "Source", "read_inputs"]
