"""The one retry shape (domain/retry.py) and the AWS policies built on it (adapters/aws_clients.py)."""

from __future__ import annotations

from chalicelib.adapters.aws_clients import UNPROCESSED_KEYS, cache_poll
from chalicelib.domain.retry import STATE_WRITE, Retry


def test_until_returns_the_first_answer_and_stops_trying() -> None:
    answers = iter([None, None, "third", "fourth"])
    tries: list[int] = []

    def attempt() -> str | None:
        tries.append(1)
        return next(answers)

    assert Retry(attempts=5).until(attempt) == "third"
    assert len(tries) == 3


def test_until_gives_none_after_every_attempt_failed() -> None:
    tries: list[int] = []
    assert Retry(attempts=3).until(lambda: tries.append(1)) is None
    assert len(tries) == 3


def test_pauses_go_between_tries_or_before_each_when_polling() -> None:
    slept: list[float] = []
    Retry(attempts=3, pause_s=0.5).until(lambda: None, slept.append)
    assert slept == [0.5, 0.5]
    slept.clear()
    Retry(attempts=3, pause_s=0.5, pause_first=True).until(lambda: None, slept.append)
    assert slept == [0.5, 0.5, 0.5]


def test_the_configured_policies_keep_the_former_loop_counts() -> None:
    # record_failure tried 3 times, the tick reader called BatchGetItem 5 times, the candle cache polled every
    # 0.1 s while less than 2 s had passed (20 polls).
    assert STATE_WRITE.attempts == 3
    assert UNPROCESSED_KEYS.attempts == 5
    poll = cache_poll(2.0)
    assert (poll.attempts, poll.pause_s, poll.pause_first) == (20, 0.1, True)
