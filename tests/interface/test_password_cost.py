"""The product hashes passwords at full scrypt cost: the tests' cheap parameters (tests/conftest.py)
stay in the test process."""

from __future__ import annotations

import subprocess
import sys

from assurdb.runtime import passwords


def test_an_installed_assurdb_hashes_at_full_cost() -> None:
    code = "from assurdb.runtime.passwords import hash_password; print(hash_password('secret'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    scheme, n, r, p, _salt, _digest = out.strip().split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**14, 8, 1)


def test_a_hash_is_verified_at_the_cost_it_was_made_with() -> None:
    """Raising the cost later keeps older hashes valid: each hash says its parameters."""
    cheap = passwords.hash_password("secret")
    assert cheap.split("$")[1] == "16"
    assert passwords.verify_password("secret", cheap) and not passwords.verify_password("Secret", cheap)
