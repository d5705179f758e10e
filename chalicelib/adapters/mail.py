"""Sending e-mail: Amazon SES (API v2) when deployed; locally the same call reaches moto's SES, which keeps every
message it accepts (the local outbox, served by infra/local/web.py at /local/outbox in local mode only)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws_errors import AwsBoundary


class SesMailer(AwsBoundary):
    def __init__(self, sender: str, client: Any = None) -> None:
        self._sender = sender
        self._client = client

    def _ses(self) -> Any:
        if self._client is None:
            from chalicelib.adapters.aws_clients import client  # boto3, lazily: only a route that mails pays

            self._client = client("sesv2")
        return self._client

    def send(self, to: str, subject: str, text: str) -> None:
        self._ses().send_email(
            FromEmailAddress=self._sender,
            Destination={"ToAddresses": [to]},
            Content={
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
                }
            },
        )
