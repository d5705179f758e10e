"""Wiring only: the Chalice app, its blueprints, middleware, the schedule and the queue consumers.
Each handler calls one service; everything else lives in chalicelib/."""

from __future__ import annotations

import os
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, CORSConfig, Rate, SQSEvent

from chalicelib.api.middleware import http_middleware, metrics_flush_middleware
from chalicelib.config import settings

# Every function's handler lives in this module (Chalice's `app.app`, `app.run_ticks`, ...), so every cold
# start imports it: on Lambda, a function other than the API (named `<app>-<stage>-<function>`, see
# infra/package_template.name_functions) skips the routes, their schemas and services. Packaging, local runs
# and the tests see every route; an unknown function name gets them too.
EVENT_FUNCTIONS = ("dispatch_ticks", "run_ticks", "run_jobs", "send_notifications", "recheck_api_keys")


def _serves_http() -> bool:
    return not os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "").endswith(tuple(f"-{f}" for f in EVENT_FUNCTIONS))


def _register_routes(app: Chalice) -> None:
    from chalicelib.api.routes import (
        account,
        api_keys,
        auth,
        backtests,
        bot_chart,
        bot_orders,
        bot_plan,
        bots,
        catalog,
        drift,
        drift_alerts,
        key_audit,
        meta,
        notifications,
        optimizations,
        signals,
        telegram,
        trades,
        users,
        users_security,
    )
    from chalicelib.api.routing import API_PREFIX

    for blueprint in (meta.bp, auth.bp, users.bp, api_keys.bp, catalog.bp, bots.bp, trades.bp, notifications.bp):
        app.register_blueprint(blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(backtests.bp, url_prefix=API_PREFIX)
    app.register_blueprint(optimizations.bp, url_prefix=API_PREFIX)
    app.register_blueprint(bot_plan.bp, url_prefix=API_PREFIX)
    app.register_blueprint(bot_chart.bp, url_prefix=API_PREFIX)
    app.register_blueprint(account.bp, url_prefix=API_PREFIX)
    app.register_blueprint(users_security.bp, url_prefix=API_PREFIX)
    app.register_blueprint(signals.bp, url_prefix=API_PREFIX)
    app.register_blueprint(key_audit.bp, url_prefix=API_PREFIX)
    app.register_blueprint(telegram.bp, url_prefix=API_PREFIX)
    app.register_blueprint(bot_orders.bp, url_prefix=API_PREFIX)
    app.register_blueprint(drift.bp, url_prefix=API_PREFIX)
    app.register_blueprint(drift_alerts.bp, url_prefix=API_PREFIX)


app = Chalice(app_name="tradebot")
app.experimental_feature_flags.update(["BLUEPRINTS"])

if settings().cors_origin:
    app.api.cors = CORSConfig(
        allow_origin=str(settings().cors_origin),
        allow_credentials=True,
        max_age=600,
        allow_headers=["X-Session-Transport"],
    )

app.register_middleware(metrics_flush_middleware, "all")
app.register_middleware(http_middleware, "http")

if _serves_http():
    _register_routes(app)

_QUEUE = f"{settings().app_name}-{settings().stage}"


@app.schedule(Rate(1, unit=Rate.MINUTES))
def dispatch_ticks(event: CloudWatchEvent) -> dict[str, Any]:
    from chalicelib import workers

    return workers.dispatch(scheduled_time=event.time)


@app.on_sqs_message(queue=f"{_QUEUE}-ticks", batch_size=10)
def run_ticks(event: SQSEvent) -> dict[str, Any]:
    from chalicelib import workers

    return workers.run_ticks(event.to_dict(), event.context)


@app.on_sqs_message(queue=f"{_QUEUE}-jobs", batch_size=1)
def run_jobs(event: SQSEvent) -> dict[str, Any]:
    from chalicelib import workers

    return workers.run_jobs(event.to_dict(), event.context)


# One message per invocation: a slow webhook receiver (up to its 5 s deadline) holds only its own user's
# notification, never a batch of other users' (see SECURITY.md, "Outbound webhooks").
@app.on_sqs_message(queue=f"{_QUEUE}-notify", batch_size=1)
def send_notifications(event: SQSEvent) -> dict[str, Any]:
    from chalicelib import workers

    return workers.send_notifications(event.to_dict(), event.context)


@app.schedule(Rate(1, unit=Rate.DAYS))
def recheck_api_keys(event: CloudWatchEvent) -> dict[str, Any]:
    from chalicelib import workers

    return workers.recheck_api_keys()
