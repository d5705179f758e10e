"""The moto platform with a hand-driven clock (tests/integration/bots/conftest.py), for the account tests."""

from tests.integration.bots.conftest import platform  # noqa: F401
