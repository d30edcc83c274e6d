"""The generator's root exception."""

from __future__ import annotations


class GeneratorError(Exception):
    """The generator cannot produce an interface: the message names the template or element."""
