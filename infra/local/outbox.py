"""The local outbox: every e-mail the app sent through the embedded AWS's SES (moto keeps what it accepts).
`make run` serves it at /local/outbox (a page) and /local/outbox.json; tests read it with `messages()`.
Local only: the deployed app has no such route (it is part of infra/local/web.py, not of the Chalice app)."""

from __future__ import annotations

import html
import re
from typing import Any

LINK = re.compile(r"https?://\S+")


def messages(account_id: str = "123456789012", region: str = "us-east-1") -> list[dict[str, Any]]:
    """Oldest first: {id, from, to, subject, text, links}. Reads the in-process moto backend (the local runtime's
    threaded moto server or a test's `mock_aws`); empty when moto runs in a process of its own."""
    from moto.ses.models import ses_backends

    out = []
    for msg in list(ses_backends[account_id][region].sent_messages):
        text = str(getattr(msg, "body", "") or getattr(msg, "raw_data", ""))
        destinations = getattr(msg, "destinations", {}) or {}
        to = list(destinations.get("ToAddresses", [])) if isinstance(destinations, dict) else list(destinations)
        out.append(
            {
                "id": msg.id,
                "from": msg.source,
                "to": to,
                "subject": str(getattr(msg, "subject", "")),
                "text": text,
                "links": LINK.findall(text),
            }
        )
    return out


def for_address(address: str, account_id: str = "123456789012", region: str = "us-east-1") -> list[dict[str, Any]]:
    return [m for m in messages(account_id, region) if address.lower() in (t.lower() for t in m["to"])]


def page(items: list[dict[str, Any]]) -> bytes:
    """A minimal HTML page, newest first, links clickable."""
    rows = []
    for m in reversed(items):
        body = LINK.sub(lambda hit: f'<a href="{hit.group(0)}">{hit.group(0)}</a>', html.escape(m["text"]))
        rows.append(
            f"<article><h2>{html.escape(m['subject'])}</h2><p>To: {html.escape(', '.join(m['to']))} · "
            f"From: {html.escape(m['from'])}</p><pre>{body}</pre></article>"
        )
    content = "".join(rows) or "<p>No e-mail sent yet.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local outbox</title>'
        "<style>body{font-family:sans-serif;max-width:52rem;margin:2rem auto}article{border-bottom:1px solid #ccc}"
        "pre{white-space:pre-wrap}</style></head><body><h1>Local outbox</h1>"
        f"<p>Every e-mail the local platform sent (moto's SES), newest first.</p>{content}</body></html>"
    ).encode()
