"""Salted slow password hashes: scrypt from the standard library.

Stored as ``scrypt$n$r$p$salt$hash`` (base64), so parameters can be raised later without
invalidating older hashes. A password is never stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

N, R, P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=32)
    return "$".join(
        ["scrypt", str(N), str(R), str(P), base64.b64encode(salt).decode(), base64.b64encode(digest).decode()]
    )


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8", "surrogatepass"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


_DUMMY: list[str] = []


def dummy_hash() -> str:
    """A hash of no one's password, made once: a login for an unknown user verifies against it, so
    that it costs what a known user's does and its time tells nothing (user enumeration)."""
    if not _DUMMY:
        _DUMMY.append(hash_password(base64.b64encode(os.urandom(24)).decode()))
    return _DUMMY[0]


def usable_text(value: object, *, limit: int | None = None) -> bool:
    """A user name or password a login may take: a ``str`` without NUL and without lone surrogates
    (which no driver can encode), of at most ``limit`` characters."""
    if not isinstance(value, str) or "\x00" in value or (limit is not None and len(value) > limit):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
