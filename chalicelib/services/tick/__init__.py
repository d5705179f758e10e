"""The bot tick: `service` runs one tick exactly once in effect, `execution` sends its order intents,
`booking` books what filled through the domain ledger."""

from chalicelib.services.tick.execution import TickOutcome
from chalicelib.services.tick.service import CANDLES_PER_FETCH, TickService

__all__ = ["CANDLES_PER_FETCH", "TickOutcome", "TickService"]
