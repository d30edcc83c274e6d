"""Answers of the exchange's primitives that are neither the interface's return codes nor thesis
IV.6's constraints (those keep their codes: see :mod:`assurdb.domain.results`)."""

from __future__ import annotations

from enum import IntEnum


class ExchangeRC(IntEnum):
    #: a participant identifier, exchange key or public key that is not one
    INVALID_IDENTIFIER = 1200
    #: an envelope refused before anything was read: unreadable, forged, altered, not from the
    #: mailbox it came through, not addressed to the hub, or signed with a key that is not accepted
    ENVELOPE_REFUSED = 1201
    #: the file broke the exchange's rules: rejected, with every reason, and returned to its sender
    REJECTED = 1202
    #: an identical file (same content hash, sender, key, flow and version) was submitted before
    DUPLICATE = 1203
    #: only the split's leader validates or rejects its files
    NOT_LEADER = 1204
    #: the article or delivery is not in a state the request applies to
    WRONG_STATE = 1205
    #: a participant may follow its own articles only
    NOT_A_PARTY = 1206
    #: the log or a trail does not verify
    LOG_BROKEN = 1207
