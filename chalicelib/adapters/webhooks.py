"""Webhook delivery over HTTPS with the standard library (no extra package in the Lambda zip)."""

from __future__ import annotations

import urllib.error
import urllib.request


class WebhookFailed(Exception):
    pass


class UrllibWebhookSender:
    def __init__(self, timeout_s: float = 5.0) -> None:
        self._timeout_s = timeout_s

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        if not url.startswith(("https://", "http://")):
            raise WebhookFailed("unsupported webhook scheme")
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise WebhookFailed(f"webhook answered {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise WebhookFailed(f"webhook unreachable: {type(exc).__name__}") from None
        if not 200 <= status < 300:
            raise WebhookFailed(f"webhook answered {status}")
