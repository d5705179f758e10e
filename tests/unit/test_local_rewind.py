"""infra.local.rewind on snapshot items: a start whose market time is before where the last run stopped
empties the claims and caches and moves bots' ticks that lie ahead of now back to the current minute."""

from __future__ import annotations

import json
from typing import Any

from infra.local.rewind import rewind

NOW = 1_767_225_630_000  # 2026-01-01 00:00:30 UTC
MINUTE = 1_767_225_600_000
LATER = NOW + 3 * 3600_000  # where an accelerated run stopped


def _state(bot_id: str, **doc: Any) -> dict[str, Any]:
    return {"bot_id": {"S": bot_id}, "version": {"N": "7"}, "doc": {"S": json.dumps(doc)}}


def _doc(item: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(item["doc"]["S"]))


def _tables() -> dict[str, list[dict[str, Any]]]:
    claim = {"pk": {"S": f"claim#dispatch#1m#03#{LATER - 60_000}"}, "count": {"N": "1"}, "expires_at": {"N": "1"}}
    candles = {"pk": {"S": f"candles#BTCUSDT#1m#{LATER}"}, "value": {"S": "[]"}, "expires_at": {"N": "1"}}
    ahead = _state(
        "ahead",
        last_tick_at=LATER,
        pending_tick_at=LATER,
        position_qty="0.1",
        cash="500",
        engine={"lots": {"main": {"entry_time": LATER - 600_000, "quantity": "0.1"}}, "stop_times": [NOW - 1, LATER]},
    )
    behind = _state("behind", last_tick_at=MINUTE - 60_000, engine={"stop_times": [NOW - 1]})
    trade = {"user_id": {"S": "u"}, "trade_key": {"S": f"{LATER}#t1"}}
    return {
        "tb-dev-rate-limits": [claim],
        "tb-dev-market-cache": [candles],
        "tb-dev-bot-states": [ahead, behind],
        "tb-dev-trades": [trade],
        "other-dev-rate-limits": [claim],
    }


def test_a_start_before_where_the_last_run_stopped_discards_the_future() -> None:
    tables, report = rewind(_tables(), prefix="tb-dev", now_ms=NOW, stopped_at_ms=LATER)

    assert report.went_back
    assert tables["tb-dev-rate-limits"] == [] and tables["tb-dev-market-cache"] == []
    assert report.cleared == {"rate-limits": 1, "market-cache": 1}
    ahead, behind = tables["tb-dev-bot-states"]
    doc = _doc(ahead)
    assert doc["last_tick_at"] == MINUTE and doc["pending_tick_at"] == MINUTE  # the next minute ticks
    assert doc["engine"]["stop_times"] == [NOW - 1]  # no cooldown from a stop that has not happened yet
    assert doc["engine"]["lots"]["main"]["entry_time"] == MINUTE
    assert doc["position_qty"] == "0.1" and doc["cash"] == "500"  # the position and money are kept
    assert ahead["version"] == {"N": "7"}
    assert behind == _tables()["tb-dev-bot-states"][1]  # nothing of it lay ahead
    assert report.bots == ["ahead"]
    assert tables["tb-dev-trades"] == _tables()["tb-dev-trades"]  # trades keep their times
    assert tables["other-dev-rate-limits"] == _tables()["other-dev-rate-limits"]  # another stage's tables
    said = report.describe()
    assert said.startswith("market time starts at 2026-01-01 00:00 UTC, 3 h 00 min before where the last run")
    assert "rate-limits: 1" in said and "1 bot(s)" in said


def test_a_start_at_or_after_where_the_last_run_stopped_changes_nothing() -> None:
    for stopped_at in (NOW - 60_000, None):
        original = _tables()
        original["tb-dev-bot-states"] = original["tb-dev-bot-states"][1:]
        tables, report = rewind(original, prefix="tb-dev", now_ms=NOW, stopped_at_ms=stopped_at)
        assert tables == original
        assert not report.went_back and report.bots == [] and report.cleared == {}


def test_a_bot_ahead_of_now_is_moved_back_even_when_the_last_stop_is_unknown() -> None:
    tables, report = rewind(_tables(), prefix="tb-dev", now_ms=NOW, stopped_at_ms=None)
    assert _doc(tables["tb-dev-bot-states"][0])["last_tick_at"] == MINUTE
    assert tables["tb-dev-rate-limits"] == _tables()["tb-dev-rate-limits"]  # caches only go when time went back
    assert report.bots == ["ahead"]
