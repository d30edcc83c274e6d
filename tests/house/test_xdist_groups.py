"""make test sends the tests of one ``xdist_group`` to one worker (``--dist loadgroup``).

Tests that share an expensive module fixture count on it: the wheel and its virtual environment
(tests/house/test_wheel.py) are built once, not once per worker. Grouping fails silently when
pytest and pytest-xdist disagree (pytest 9.2 with pytest-xdist 3.8, pytest-xdist issue #1386):
the tests still pass, only slower. This test sees it: a grouped test's id carries its group.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("probe")


def test_a_grouped_test_is_known_to_its_group(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by pytest-xdist with --dist loadgroup (make test runs it so)")
    assert request.node.nodeid.endswith("@probe"), (
        f"--dist loadgroup did not group {request.node.nodeid!r}: this pytest and pytest-xdist do not "
        "agree (see the pin of pytest in pyproject.toml)"
    )
