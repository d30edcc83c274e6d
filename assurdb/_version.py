"""The one place the version of assurdb is written (the build reads it from here)."""

__version__ = "0.2.0"
