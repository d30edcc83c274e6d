"""The engine's tests on stored business use the domain tests' tiny company (``org``, ``s``)."""

from tests.domain.conftest import org, s  # noqa: F401 (fixtures)
