"""GIVEN a bot WHEN it is stopped, running or has just ticked THEN the API says when its next tick is due:
the next close of one of its bars on the platform's clock (the market clock, accelerated or not)."""

from __future__ import annotations

from chalicelib.domain.clock import floor_to, iso_utc
from tests.integration.bots.conftest import Platform, bot_body


def test_the_api_shows_when_a_running_bots_next_tick_is_due(platform: Platform) -> None:
    token = platform.user()["access_token"]
    _, bot = platform.call("POST", "/bots", bot_body(name="when", interval="5m"), token)
    assert bot["next_tick_at"] is None  # stopped: nothing is due

    platform.clock.advance(90_000)
    _, started = platform.call("POST", f"/bots/{bot['id']}/start", None, token)
    next_bar = floor_to(platform.clock.now_ms(), 300_000) + 300_000
    assert started["next_tick_at"] == iso_utc(next_bar)
    _, listed = platform.call("GET", "/bots", None, token)
    assert [b["next_tick_at"] for b in listed["items"] if b["id"] == bot["id"]] == [iso_utc(next_bar)]

    platform.clock.set(next_bar - 60_000)
    platform.minute()  # the bar closes: the dispatcher sends the tick, the worker runs it
    _, ticked = platform.call("GET", f"/bots/{bot['id']}", None, token)
    assert ticked["state"]["last_tick_at"] == iso_utc(next_bar)
    assert ticked["next_tick_at"] == iso_utc(next_bar + 300_000)

    _, paused = platform.call("POST", f"/bots/{bot['id']}/pause", None, token)
    assert paused["next_tick_at"] is None
