"""Powertools Logger, Tracer and Metrics, configured by POWERTOOLS_* environment variables.
Created once per process; library modules use `logger` from here."""

from __future__ import annotations

import logging

from aws_lambda_powertools import Logger, Metrics, Tracer

# pynamodb logs every request's arguments at DEBUG, item values included (a webhook signing secret is stored
# in the users table in the clear, as HMAC needs it): its wire log stays off even when the root logger is
# at DEBUG, as botocore's must (SECURITY.md, "What is logged").
logging.getLogger("pynamodb").setLevel(logging.INFO)

logger = Logger(service="tradebot")
tracer = Tracer(service="tradebot")
metrics = Metrics(namespace="Tradebot", service="tradebot")

__all__ = ["logger", "metrics", "tracer"]
