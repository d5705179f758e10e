"""Webhook delivery per user: the signing secret is shown and rotated through the API, a failing receiver
trips its own circuit breaker, and a slow receiver delays and loses nobody else's notification."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib import bootstrap
from tests.integration.bots.conftest import Platform
from tests.webhook_receivers import Received, allow_loopback_webhooks, dribbler, receiver

REPO = Path(__file__).resolve().parents[3]


def _verify(secret: str, hit: Received) -> bool:
    timestamp, signature = (part.split("=", 1)[1] for part in hit.headers["X-Tradebot-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + hit.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, expected)


def _event(user_id: str, message: str = "Bought 0.01 BTC") -> dict[str, Any]:
    return {"user_id": user_id, "bot_id": None, "kind": "trade_opened", "message": message, "data": {}}


def _wait(until: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_webhook_secret_is_shown_and_rotated(platform: Platform) -> None:
    allow_loopback_webhooks(bootstrap.container())
    user = platform.user()
    token = user["access_token"]
    assert platform.call("GET", "/users/me/webhook", None, token) == (
        200,
        {"webhook_url": None, "webhook_secret": None},
    )
    status, body = platform.call("POST", "/users/me/webhook/secret", None, token)
    assert status == 409 and body["error"]["code"] == "no_webhook" and body["error"]["message"]
    assert platform.call("GET", "/users/me/webhook", None, None)[0] == 401

    with receiver("127.0.0.1") as hook:
        status, saved = platform.call("PATCH", "/users/me/settings", {"webhook_url": hook.url()}, token)
        assert status == 200
        first = saved["webhook_secret"]
        status, shown = platform.call("GET", "/users/me/webhook", None, token)
        assert status == 200 and shown == {"webhook_url": hook.url(), "webhook_secret": first}
        assert platform.call("GET", "/users/me", None, token)[1]["webhook_secret"] is None  # only on its own route

        status, rotated = platform.call("POST", "/users/me/webhook/secret", None, token)
        assert status == 200 and rotated["webhook_url"] == hook.url()
        second = rotated["webhook_secret"]
        assert second.startswith("whsec_") and len(second) > 40 and second != first
        assert platform.call("GET", "/users/me/webhook", None, token)[1]["webhook_secret"] == second
        # saving the same URL again keeps the secret
        assert (
            platform.call("PATCH", "/users/me/settings", {"webhook_url": hook.url()}, token)[1]["webhook_secret"]
            == second
        )

        bootstrap.container().notifications.deliver("rotate-1", _event(user["id"]))
        (hit,) = hook.received
        assert _verify(second, hit) and not _verify(first, hit)

    other = platform.user()["access_token"]  # another user sees only their own (empty) setting
    assert platform.call("GET", "/users/me/webhook", None, other)[1] == {"webhook_url": None, "webhook_secret": None}


def test_a_failing_receiver_trips_its_own_circuit_breaker(platform: Platform) -> None:
    from chalicelib.adapters.webhooks import WebhookFailed

    c = allow_loopback_webhooks(
        bootstrap.container(), TRADEBOT_WEBHOOK_BREAKER_FAILURES="3", TRADEBOT_WEBHOOK_BREAKER_COOLDOWN_S="300"
    )
    a, b = platform.user(), platform.user()
    with receiver("127.0.0.1", status=500) as broken, receiver("127.0.0.1") as healthy:
        platform.call("PATCH", "/users/me/settings", {"webhook_url": broken.url()}, a["access_token"])
        platform.call("PATCH", "/users/me/settings", {"webhook_url": healthy.url()}, b["access_token"])
        notes = c.notifications
        for i in range(3):
            with pytest.raises(WebhookFailed, match="500"):
                notes.deliver(f"a-{i}", _event(a["id"]))
        assert len(broken.received) == 3
        # Open: A's receiver is not called (the feed still gets the notification); B is not affected.
        assert notes.deliver("a-3", _event(a["id"])) == "circuit_open"
        assert notes.deliver("b-0", _event(b["id"])) == "delivered"
        assert len(broken.received) == 3 and len(healthy.received) == 1
        feed = platform.call("GET", "/notifications", None, a["access_token"])[1]
        assert len(feed["items"]) == 4

        platform.clock.advance(301_000)  # after the cooldown one call is tried; a failure reopens at once
        with pytest.raises(WebhookFailed):
            notes.deliver("a-4", _event(a["id"]))
        assert notes.deliver("a-5", _event(a["id"])) == "circuit_open"
        assert len(broken.received) == 4

        broken.status = 204  # the receiver recovers: after the cooldown it is called and the breaker closes
        platform.clock.advance(301_000)
        assert notes.deliver("a-6", _event(a["id"])) == "delivered"
        assert notes.deliver("a-7", _event(a["id"])) == "delivered"
        assert len(broken.received) == 6


def test_a_slow_receiver_delays_and_loses_no_other_users_notification(platform: Platform) -> None:
    """Lambda runs the notifier once per message (batch size 1) and as many at once as the queue needs; the
    local poller does the same with two workers here. A's receiver dribbles its answer; B's notification,
    queued after A's, is delivered at once, A's call ends at its deadline and stays queued for a retry."""
    from app import app
    from infra.local.functions import ContextFactory
    from infra.local.sqs_poller import SqsPoller, sqs_sources

    (source,) = [s for s in sqs_sources(app) if s.name == "send_notifications"]
    assert source.batch_size == 1

    allow_loopback_webhooks(bootstrap.container(), TRADEBOT_WEBHOOK_DEADLINE_S="3")
    a, b = platform.user(), platform.user()
    sqs, url = platform.sqs, platform.outputs["NotifyQueueUrl"]
    dlq = sqs.get_queue_url(QueueName="tradebot-test-notify-dlq")["QueueUrl"]
    with dribbler(interval_s=0.2) as slow, receiver("127.0.0.1") as fast:
        assert platform.call("PATCH", "/users/me/settings", {"webhook_url": slow.url()}, a["access_token"])[0] == 200
        assert platform.call("PATCH", "/users/me/settings", {"webhook_url": fast.url()}, b["access_token"])[0] == 200
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(_event(a["id"], "for A")))
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(_event(b["id"], "for B")))

        poller = SqsPoller(sqs, source, ContextFactory("tradebot", "test"), wait_s=0, concurrency=2)
        started = time.monotonic()
        poller.start()
        try:
            _wait(lambda: len(fast.received) == 1)
            b_latency = fast.received[0].at - started
            _wait(lambda: bool(slow.closed_at))  # A's call was cut at its deadline
            a_duration = slow.closed_at[0] - slow.first_request_at[0]
        finally:
            poller.stop(timeout=10)
    assert slow.requests == 1
    assert b_latency < 1.5, b_latency  # not held behind A's 3 s
    # the dribbler notices the close on its second write after it (up to 0.4 s) and runs on a loaded machine;
    # uncut, the call would last as long as the 100 kB dribble, hours
    assert 2.9 <= a_duration < 6, a_duration
    assert json.loads(fast.received[0].body)["message"] == "for B"
    feed_b = platform.call("GET", "/notifications", None, b["access_token"])[1]
    assert [n["message"] for n in feed_b["items"]] == ["for B"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    in_queue = int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])
    assert in_queue == 1  # A's message only, waiting for its retry; B's was deleted after delivery
    dlq_attrs = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert dlq_attrs["ApproximateNumberOfMessages"] == "0"


def test_the_notifier_deadline_fits_inside_its_function_and_queue_timeouts() -> None:
    """The sender's overall deadline (5 s by default) plus the feed write fits in the notifier's Lambda
    timeout, so an invocation is never killed mid-batch; the queue hides a message for at least six times
    the function timeout, as AWS recommends for SQS event sources."""
    config = json.loads((REPO / ".chalice" / "config.json").read_text())
    stack = yaml.load((REPO / "infra" / "stack.yaml").read_text(), Loader=_CfnLoader)
    visibility = stack["Resources"]["NotifyQueue"]["Properties"]["VisibilityTimeout"]
    for stage in ("dev", "prod"):
        timeout = config["stages"][stage]["lambda_functions"]["send_notifications"]["lambda_timeout"]
        assert timeout >= 5 + 3
        assert visibility >= 6 * timeout


class _CfnLoader(yaml.SafeLoader):
    pass


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def test_webhook_secrets_and_signatures_are_never_logged(
    platform: Platform, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """Saving, showing, rotating and delivering (a failure, then a success) through the worker, with every
    application logger at DEBUG: neither secret, nor a signature, nor the URL's path token is logged."""
    import logging

    from chalicelib import workers
    from chalicelib.observability import logger as app_logger

    caplog.set_level(logging.DEBUG)
    app_logger.setLevel("DEBUG")
    for name in ("botocore", "boto3", "urllib3"):  # their wire logs are never enabled (see test_secrets)
        logging.getLogger(name).setLevel(logging.INFO)
    allow_loopback_webhooks(bootstrap.container())
    user = platform.user()
    token = user["access_token"]
    path_token = "/hook/tok-" + "Zk93xQ"
    try:
        with receiver("127.0.0.1", status=500) as hook:
            saved = platform.call("PATCH", "/users/me/settings", {"webhook_url": hook.url(path_token)}, token)[1]
            first = saved["webhook_secret"]
            platform.call("GET", "/users/me/webhook", None, token)
            second = platform.call("POST", "/users/me/webhook/secret", None, token)[1]["webhook_secret"]
            sqs, url = platform.sqs, platform.outputs["NotifyQueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(_event(user["id"])))
            platform.drain(url, workers.send_notifications)  # 500: fails, stays queued
            hook.status = 204
            platform.drain(url, workers.send_notifications)
            assert len(hook.received) == 2
            signatures = [h.headers["X-Tradebot-Signature"] for h in hook.received]
    finally:
        app_logger.setLevel("WARNING")
    captured = capsys.readouterr()
    text = "\n".join(r.getMessage() + " " + json.dumps(r.__dict__, default=str) for r in caplog.records)
    text += captured.out + captured.err
    assert "webhook failed" in text  # the failure is logged, by its reason only
    for secret in (first, second, *signatures, path_token):
        assert secret not in text, secret
