"""Powertools Logger, Tracer and Metrics, configured by POWERTOOLS_* environment variables.
Created once per process; library modules use `logger` from here. The AWS libraries' own loggers are
quietened where those libraries are wired (adapters/dynamo/base.py)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="tradebot")
tracer = Tracer(service="tradebot")
metrics = Metrics(namespace="Tradebot", service="tradebot")

__all__ = ["logger", "metrics", "tracer"]
