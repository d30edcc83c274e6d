"""Envelopes: how a file travels between a participant and the hub (pyca/cryptography only).

A file is encrypted once with a random AES-256-GCM key and nonce; that key is wrapped with RSA-OAEP
(SHA-256) for each recipient's public key; the header — format version, sender and the id of its
signing key, recipients with the id of the key each one's copy of the file key is wrapped with,
exchange key, flow, version, file name, a random envelope id — is the GCM's associated data, so a
changed header fails decryption; and the sender signs the whole envelope with RSA-PSS (SHA-256,
MGF1-SHA-256, 32-byte salt). The hub verifies, decrypts, validates, then seals a new envelope for
each recipient alone, signed with its own key. A key id is the SHA-256 of the public key's DER
(SubjectPublicKeyInfo), in hexadecimal: a participant with several keys (a rotation) finds the one
a copy is wrapped for, and a verifier the one a signature was made with.

Layout (integers big-endian)::

    "AXEV"  format (1 byte, = 1)  header length (4)  header (canonical JSON, UTF-8)
    ciphertext length (8)  ciphertext (GCM, 16-byte tag at the end)
    signature length (2)  signature (RSA-PSS over every byte before the signature length)

Encrypt-then-sign: the hub refuses a forged or altered envelope before decrypting anything, and the
signature covers the wrapped keys, so the signed bytes decrypt to one content only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from assurdb.domain.exchange.errors import EnvelopeError

MAGIC = b"AXEV"
FORMAT = 1
RSA_BITS = 3072
#: The code the hub goes by in headers (not a participant identifier: those are 9 characters).
HUB = "HUB"
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
_OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
_PREFIX = struct.Struct(">4sBI")


def new_private_key() -> rsa.RSAPrivateKey:
    """A new RSA-3072 key pair (public exponent 65 537)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)


def public_der(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(key: rsa.RSAPublicKey | rsa.RSAPrivateKey) -> str:
    """SHA-256 of the public key's DER (SubjectPublicKeyInfo), hexadecimal."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return hashlib.sha256(public_der(public)).hexdigest()


def load_public_der(der: bytes) -> rsa.RSAPublicKey:
    """An RSA public key from its DER (``EnvelopeError`` if it is not one of at least 3072 bits)."""
    try:
        key = serialization.load_der_public_key(der)
    except ValueError as exc:
        raise EnvelopeError(f"not a DER public key ({exc})") from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < RSA_BITS:
        raise EnvelopeError(f"the exchange takes RSA keys of {RSA_BITS} bits or more")
    return key


@dataclass(frozen=True, slots=True)
class Recipient:
    code: str
    key_id: str
    wrapped: bytes


@dataclass(frozen=True, slots=True)
class Header:
    """What an envelope says about itself (authenticated: signed, and the GCM's associated data)."""

    sender: str
    sender_key: str
    recipients: tuple[Recipient, ...]
    article_key: str
    flow: str
    version: int
    filename: str
    nonce: bytes
    envelope_id: str
    format: int = FORMAT

    def recipient(self, code: str) -> Recipient | None:
        return next((r for r in self.recipients if r.code == code), None)

    def to_json(self) -> bytes:
        plain: dict[str, Any] = {
            "format": self.format,
            "sender": self.sender,
            "sender_key": self.sender_key,
            "recipients": [
                {"code": r.code, "key_id": r.key_id, "wrapped": base64.b64encode(r.wrapped).decode()}
                for r in self.recipients
            ],
            "article_key": self.article_key,
            "flow": self.flow,
            "version": self.version,
            "filename": self.filename,
            "nonce": base64.b64encode(self.nonce).decode(),
            "envelope_id": self.envelope_id,
        }
        return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Header:
        try:
            plain = json.loads(raw.decode("utf-8"))
            recipients = tuple(
                Recipient(str(r["code"]), str(r["key_id"]), base64.b64decode(r["wrapped"], validate=True))
                for r in plain["recipients"]
            )
            version = plain["version"]
            if not isinstance(version, int) or isinstance(version, bool):
                raise TypeError("version")
            return cls(
                sender=str(plain["sender"]),
                sender_key=str(plain["sender_key"]),
                recipients=recipients,
                article_key=str(plain["article_key"]),
                flow=str(plain["flow"]),
                version=version,
                filename=str(plain["filename"]),
                nonce=base64.b64decode(plain["nonce"], validate=True),
                envelope_id=str(plain["envelope_id"]),
                format=int(plain["format"]),
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise EnvelopeError(f"unreadable envelope header ({type(exc).__name__}: {exc})") from None


@dataclass(frozen=True, slots=True)
class Parts:
    header: Header
    signed: bytes  # every byte the signature covers
    aad: bytes  # the GCM's associated data: the prefix and the header
    ciphertext: bytes
    signature: bytes


def seal(
    content: bytes,
    *,
    sender: str,
    signing_key: rsa.RSAPrivateKey,
    recipients: Mapping[str, rsa.RSAPublicKey],
    article_key: str,
    flow: str,
    version: int = 0,
    filename: str = "",
) -> bytes:
    """``content`` encrypted for ``recipients`` (code → public key) and signed by ``sender``."""
    if not recipients:
        raise EnvelopeError("an envelope needs at least one recipient")
    file_key = AESGCM.generate_key(bit_length=256)
    header = Header(
        sender=sender,
        sender_key=key_id(signing_key),
        recipients=tuple(
            Recipient(code, key_id(public), public.encrypt(file_key, _OAEP)) for code, public in recipients.items()
        ),
        article_key=article_key,
        flow=flow,
        version=version,
        filename=filename,
        nonce=os.urandom(12),
        envelope_id=os.urandom(16).hex(),
    )
    raw = header.to_json()
    aad = _PREFIX.pack(MAGIC, FORMAT, len(raw)) + raw
    ciphertext = AESGCM(file_key).encrypt(header.nonce, content, aad)
    signed = aad + struct.pack(">Q", len(ciphertext)) + ciphertext
    signature = signing_key.sign(signed, _PSS, hashes.SHA256())
    return signed + struct.pack(">H", len(signature)) + signature


def split(data: bytes) -> Parts:
    """The envelope's parts, checked for shape only (nothing verified yet)."""
    if len(data) < _PREFIX.size or data[:4] != MAGIC:
        raise EnvelopeError("not an exchange envelope (no AXEV prefix)")
    _, fmt, header_len = _PREFIX.unpack_from(data)
    if fmt != FORMAT:
        raise EnvelopeError(f"envelope format {fmt} is not supported (this hub reads format {FORMAT})")
    at = _PREFIX.size + header_len
    if len(data) < at + 8:
        raise EnvelopeError("truncated envelope (header)")
    header = Header.from_json(data[_PREFIX.size : at])
    (ct_len,) = struct.unpack_from(">Q", data, at)
    ct_at = at + 8
    if len(data) < ct_at + ct_len + 2:
        raise EnvelopeError("truncated envelope (content)")
    (sig_len,) = struct.unpack_from(">H", data, ct_at + ct_len)
    sig_at = ct_at + ct_len + 2
    if len(data) != sig_at + sig_len:
        raise EnvelopeError("envelope length does not match its parts (truncated or padded)")
    if len(header.nonce) != 12:
        raise EnvelopeError("envelope header: the nonce is not 12 bytes")
    return Parts(header, data[: ct_at + ct_len], data[:at], data[ct_at : ct_at + ct_len], data[sig_at:])


def header_of(data: bytes) -> Header:
    """The header of an envelope (not yet verified: for routing and key look-up only)."""
    return split(data).header


def verify(data: bytes, sender_public: rsa.RSAPublicKey) -> Parts:
    """Check the sender's signature; the parts, once it holds."""
    parts = split(data)
    if key_id(sender_public) != parts.header.sender_key:
        raise EnvelopeError("the key given is not the one the envelope names as its signing key")
    try:
        sender_public.verify(parts.signature, parts.signed, _PSS, hashes.SHA256())
    except InvalidSignature:
        raise EnvelopeError(f"bad signature: the envelope was altered or not signed by {parts.header.sender}") from None
    return parts


@dataclass(frozen=True, slots=True)
class Opened:
    header: Header
    content: bytes
    envelope_hash: str


def open_envelope(
    data: bytes, *, me: str, private_keys: Mapping[str, rsa.RSAPrivateKey], sender_public: rsa.RSAPublicKey
) -> Opened:
    """Verify, then decrypt an envelope addressed to ``me`` with the key it names among
    ``private_keys`` (key id → private key). ``EnvelopeError`` saying why otherwise."""
    parts = verify(data, sender_public)
    mine = parts.header.recipient(me)
    if mine is None:
        names = ", ".join(r.code for r in parts.header.recipients)
        raise EnvelopeError(f"the envelope is addressed to {names}, not to {me}: refused (a replay?)")
    private = private_keys.get(mine.key_id)
    if private is None:
        raise EnvelopeError(f"the envelope is wrapped for key {mine.key_id[:16]}…, which {me} does not hold")
    try:
        file_key = private.decrypt(mine.wrapped, _OAEP)
        content = AESGCM(file_key).decrypt(parts.header.nonce, parts.ciphertext, parts.aad)
    except (ValueError, InvalidTag):
        raise EnvelopeError("the content does not decrypt: the envelope was altered") from None
    return Opened(parts.header, content, hashlib.sha256(data).hexdigest())
