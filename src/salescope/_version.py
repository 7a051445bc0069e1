"""The package version, in a module of its own so any layer can read it (keep it equal to
``project.version`` in pyproject.toml)."""

__version__ = "0.1.0"
