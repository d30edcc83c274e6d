"""Errors of the exchange outside requests (a malformed or forged envelope, a key that is not one)."""

from __future__ import annotations

from assurdb.domain.errors import DomainError


class ExchangeError(DomainError):
    """Root of the exchange's errors; ``reason`` says what was wrong, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EnvelopeError(ExchangeError):
    """An envelope that cannot be read, is not addressed to its reader, or was tampered with."""
