from __future__ import annotations

from tests.integration.bots.conftest import bot_body


def test_paper_bot_trades_through_scheduler_queue_and_worker(platform):
    user = platform.user()
    token = user["access_token"]
    status, bot = platform.call("POST", "/bots", bot_body(), token)
    assert status == 201, bot
    assert bot["status"] == "stopped"
    status, bot = platform.call("POST", f"/bots/{bot['id']}/start", None, token)
    assert status == 200 and bot["status"] == "running"
    for _ in range(120):
        platform.minute()
        status, trades = platform.call("GET", f"/bots/{bot['id']}/trades", None, token)
        if trades["items"]:
            break
    assert trades["items"], platform.results[-3:]
    first = trades["items"][-1]
    assert first["side"] == "BUY" and first["bot_id"] == bot["id"]
    status, got = platform.call("GET", f"/bots/{bot['id']}", None, token)
    assert got["state"]["in_position"] is True
    assert got["state"]["last_tick_at"]
