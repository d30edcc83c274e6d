"""Envelopes: signed by the sender (RSA-PSS), encrypted for each recipient (AES-256-GCM, the file
key wrapped with RSA-OAEP), the header authenticated; tampering and replays are refused."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from assurdb.domain.exchange.envelope import (
    HUB,
    MAGIC,
    header_of,
    key_id,
    open_envelope,
    seal,
    split,
    verify,
)
from assurdb.domain.exchange.errors import EnvelopeError
from assurdb.domain.exchange.keys import exchange_key
from tests.exchange.conftest import BROKER, CO2, CO3

KEY = exchange_key("ENV1", 2026, 1)
CONTENT = b'{"total": "100.00"}'


@pytest.fixture(scope="module")
def sealed(keyring: dict[str, Any]) -> bytes:
    return seal(
        CONTENT,
        sender=BROKER,
        signing_key=keyring[BROKER],
        recipients={HUB: keyring["HUB"].public_key()},
        article_key=KEY,
        flow="premium",
        version=2,
        filename="prime.json",
    )


def _open(data: bytes, keyring: dict[str, Any], me: str = HUB) -> bytes:
    mine = {key_id(keyring[name]): keyring[name] for name in ("HUB", "HUB2", CO2, CO3)}
    return open_envelope(data, me=me, private_keys=mine, sender_public=keyring[BROKER].public_key()).content


def test_the_recipient_reads_what_the_sender_sealed(sealed: bytes, keyring: dict[str, Any]) -> None:
    assert sealed[:4] == MAGIC
    header = header_of(sealed)
    assert (header.sender, header.article_key, header.flow, header.version, header.filename) == (
        BROKER,
        KEY,
        "premium",
        2,
        "prime.json",
    )
    assert header.sender_key == key_id(keyring[BROKER])
    assert [(r.code, r.key_id) for r in header.recipients] == [(HUB, key_id(keyring["HUB"]))]
    assert CONTENT not in sealed
    assert _open(sealed, keyring) == CONTENT


def test_two_seals_of_one_file_differ(sealed: bytes, keyring: dict[str, Any]) -> None:
    again = seal(CONTENT, sender=BROKER, signing_key=keyring[BROKER], recipients={HUB: keyring["HUB"].public_key()},
                 article_key=KEY, flow="premium", version=2, filename="prime.json")  # fmt: skip
    assert again != sealed  # fresh file key, nonce and envelope id
    assert _open(again, keyring) == CONTENT


def test_a_flipped_byte_anywhere_is_detected(sealed: bytes, keyring: dict[str, Any]) -> None:
    parts = split(sealed)
    header_at = 9 + 10  # inside the header's JSON
    ct_at = len(parts.aad) + 8 + 5  # inside the ciphertext
    sig_at = len(sealed) - 7  # inside the signature
    for at in (4, header_at, ct_at, len(parts.signed) - 3, sig_at):
        tampered = bytearray(sealed)
        tampered[at] ^= 0x01
        with pytest.raises(EnvelopeError):
            _open(bytes(tampered), keyring)


def test_a_changed_ciphertext_is_refused_by_its_signature_first(sealed: bytes, keyring: dict[str, Any]) -> None:
    parts = split(sealed)
    tampered = bytearray(sealed)
    tampered[len(parts.aad) + 8] ^= 0x80
    with pytest.raises(EnvelopeError, match="bad signature"):
        verify(bytes(tampered), keyring[BROKER].public_key())


def test_a_ciphertext_re_signed_by_someone_else_still_fails_to_decrypt(keyring: dict[str, Any]) -> None:
    """A forger who alters the content and signs with its own key is refused: the verifier uses the
    sender's registered key, and with the forger's key the GCM tag still fails."""
    sealed = seal(CONTENT, sender=BROKER, signing_key=keyring[BROKER], recipients={HUB: keyring["HUB"].public_key()},
                  article_key=KEY, flow="premium")  # fmt: skip
    parts = split(sealed)
    body = bytearray(parts.signed)
    body[len(parts.aad) + 8] ^= 0x01
    forged_sig = keyring[CO3].sign(bytes(body), *_pss())
    forged = bytes(body) + struct.pack(">H", len(forged_sig)) + forged_sig
    with pytest.raises(EnvelopeError, match="bad signature"):
        verify(forged, keyring[BROKER].public_key())
    with pytest.raises(EnvelopeError, match="not the one the envelope names"):
        verify(forged, keyring[CO3].public_key())


def _pss() -> tuple[Any, Any]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()


def test_a_copy_replayed_to_another_recipient_is_refused(keyring: dict[str, Any]) -> None:
    for_co2 = seal(CONTENT, sender=BROKER, signing_key=keyring[BROKER], recipients={CO2: keyring[CO2].public_key()},
                   article_key=KEY, flow="premium")  # fmt: skip
    assert _open(for_co2, keyring, me=CO2) == CONTENT
    with pytest.raises(EnvelopeError, match=f"addressed to {CO2}, not to {CO3}"):
        _open(for_co2, keyring, me=CO3)


def test_a_header_rewritten_to_name_another_recipient_is_refused(keyring: dict[str, Any]) -> None:
    for_co2 = seal(CONTENT, sender=BROKER, signing_key=keyring[BROKER], recipients={CO2: keyring[CO2].public_key()},
                   article_key=KEY, flow="premium")  # fmt: skip
    parts = split(for_co2)
    raw = parts.aad[9:].replace(CO2.encode(), CO3.encode())
    rewritten = (
        parts.aad[:9] + raw + struct.pack(">Q", len(parts.ciphertext)) + parts.ciphertext
        + struct.pack(">H", len(parts.signature)) + parts.signature
    )  # fmt: skip
    with pytest.raises(EnvelopeError, match="bad signature"):
        _open(rewritten, keyring, me=CO3)


def test_a_recipient_without_the_wrapping_key_says_so(keyring: dict[str, Any]) -> None:
    sealed = seal(CONTENT, sender=BROKER, signing_key=keyring[BROKER], recipients={HUB: keyring["HUB"].public_key()},
                  article_key=KEY, flow="premium")  # fmt: skip
    with pytest.raises(EnvelopeError, match="does not hold"):
        open_envelope(sealed, me=HUB, private_keys={}, sender_public=keyring[BROKER].public_key())


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda b: b"XXXX" + b[4:], "no AXEV prefix"),
        (lambda b: b[:4] + b"\x02" + b[5:], "format 2 is not supported"),
        (lambda b: b[:-1], "does not match its parts"),
        (lambda b: b + b"\x00", "does not match its parts"),
        (lambda b: b[:30], "truncated|unreadable"),
    ],
)
def test_malformed_envelopes_are_refused_with_the_reason(sealed: bytes, mangle: Any, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        header_of(mangle(sealed))


def test_a_key_id_is_the_sha256_of_the_public_der(keyring: dict[str, Any]) -> None:
    import hashlib

    from assurdb.domain.exchange.envelope import public_der

    public = keyring[CO2].public_key()
    assert key_id(public) == hashlib.sha256(public_der(public)).hexdigest() == key_id(keyring[CO2])
    assert public.key_size == 3072
