"""The data export's pieces: how a record becomes JSON, the notifications CSV, the archive and its README."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import fields, is_dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from chalicelib.domain.errors import PayloadTooLarge

EXPORT_FORMAT = "tradebot-export/1"


def jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def zip_files(files: dict[str, str], max_bytes: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(f"tradebot-export/{name}", files[name])
    data = out.getvalue()
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"The archive would be {len(data) // 1_000_000} MB, more than the {max_bytes // 1_000_000} MB "
            "one answer can carry; delete old backtests (their results are the bulk) and try again.",
            code="export_too_large",
            details={"size": len(data), "limit": max_bytes},
        )
    return data


def dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def notifications_csv(notes: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    columns = ("id", "created_at_ms", "kind", "bot_id", "read", "message")
    writer.writerow(columns)
    for n in notes:
        writer.writerow(["" if n.get(c) is None else n[c] for c in columns])
    return out.getvalue()


README = """Your Tradebot data (format tradebot-export/1)

account.json        your account: id, e-mail, when it was created
settings.json       the webhook URL (the signing secret is not exported: it is shown in Settings)
api_keys.json       your exchange keys' metadata: label, last 4 characters, testnet; never the secret
bots.json           every bot: its configuration and its state (position, cash, PnL, last tick)
trades.csv          every trade, newest first
backtests.json      every stored backtest's parameters, status and metrics
backtests/<id>.json the result of each finished backtest (trades, equity curve, metrics)
notifications.json  your notifications (also as notifications.csv)
"""
