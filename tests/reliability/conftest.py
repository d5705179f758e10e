from tests.integration.bots.conftest import platform  # noqa: F401  (the moto platform fixture, shared)
