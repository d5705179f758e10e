"""Account deletion and data export, both confirmed with the current password (and, once it exists, the
second factor).

Deletion is an erasure in two steps, so it is resumable and idempotent:
1. the user record is flagged as being deleted and every token issued so far is voided, in one write: from
   then on the user reads as absent everywhere (sign-in, access tokens and refresh tokens fail);
2. `purge` deletes the rest, table by table, each step idempotent. It runs at once; when it stops half-way
   (a timeout, a throttled table), running `purge(user_id)` again finishes it: `python -m chalicelib.cli
   purge-account <user id>` (the failure is logged with the user id), or a `schedule_purge` hook that queues it.
   The user record goes last, so a flagged record always means "not finished yet".

Bots: a bot's config is deleted first, which takes it off the schedule index in the same write (no further
tick), then its state and its paper account. Positions are NOT closed: a live bot's position stays in the
user's own exchange account (the assets are theirs; selling them is not ours to decide on the way out) and
the answer lists them; a paper bot's simulated position goes with its paper account.

Trades: paper trades are deleted; live trades are kept `trade_retention_days` (a stage setting, default 365,
0 = delete at once) for audit and tax questions, marked `account_deleted` with a DynamoDB TTL, reachable by
no one through the API (their user id belongs to no account any more, and a new account gets a new id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.bots import BotConfig, BotState, Mode
from chalicelib.domain.clock import Clock, iso_utc
from chalicelib.domain.errors import Forbidden, InvalidInput, NotFound
from chalicelib.domain.trades import TradeFilter
from chalicelib.services.account_export import EXPORT_FORMAT, README, dump, jsonable, notifications_csv, zip_files
from chalicelib.services.ports.account import AccountEraser, BlobEraser, PasswordCheck, SecondFactor

CONFIRM_WORD = "DELETE"


class NoSecondFactor:
    def required(self, user_id: str) -> bool:
        return False

    def verify(self, user_id: str, code: str) -> bool:
        return False


@dataclass(frozen=True)
class Deletion:
    user_id: str
    bots_deleted: int = 0
    positions_left: list[dict[str, str]] = field(default_factory=list)
    api_keys_deleted: int = 0
    backtests_deleted: int = 0
    blobs_deleted: int = 0
    notifications_deleted: int = 0
    trades_deleted: int = 0
    trades_retained: int = 0
    trades_retained_until: str | None = None
    finished: bool = True


class AccountService:
    def __init__(
        self,
        *,
        passwords: PasswordCheck,
        users: Any,  # AuthService: get_user
        bots: Any,  # ports.bots.BotRepository
        states: Any,  # ports.bots.BotStateStore
        api_keys: Any,  # ApiKeyService: list (metadata only)
        trades: Any,  # TradeService: export_csv
        backtests: Any,  # BacktestService: page, result
        notifications: Any,  # NotificationService: page
        eraser: AccountEraser,
        blobs: BlobEraser,
        clock: Clock,
        trade_retention_days: int = 365,
        export_max_bytes: int = 4_500_000,
        schedule_purge: Callable[[str], None] | None = None,
        second_factor: SecondFactor | None = None,
    ) -> None:
        self._passwords = passwords
        self._users = users
        self._bots = bots
        self._states = states
        self._api_keys = api_keys
        self._trades = trades
        self._backtests = backtests
        self._notifications = notifications
        self._eraser = eraser
        self._blobs = blobs
        self._clock = clock
        self._retention_days = trade_retention_days
        self._export_max = export_max_bytes
        self._schedule_purge = schedule_purge
        self._second_factor = second_factor or NoSecondFactor()

    # --- confirmation ------------------------------------------------------------------------------

    def _confirm(self, user_id: str, password: str, otp: str | None) -> None:
        self._passwords.confirm_password(user_id, password)
        if self._second_factor.required(user_id):
            if not otp:
                raise Forbidden("Enter the code from your authenticator app.", code="second_factor_required")
            if not self._second_factor.verify(user_id, otp):
                raise InvalidInput(
                    "The authenticator code is wrong.",
                    code="wrong_second_factor",
                    details=[{"field": "otp", "message": "does not match"}],
                )

    # --- deletion ----------------------------------------------------------------------------------

    def delete_account(
        self, user_id: str, password: str, confirm: str, *, source_ip: str = "unknown", otp: str | None = None
    ) -> Deletion:
        if confirm != CONFIRM_WORD:
            raise InvalidInput(
                f"Type {CONFIRM_WORD} to confirm that the account and its data are to be deleted.",
                code="confirmation_required",
                details=[{"field": "confirm", "message": f"must be {CONFIRM_WORD!r}"}],
            )
        self._confirm(user_id, password, otp)
        # +1: a token minted in this same millisecond, before the deletion, is void too.
        if self._eraser.mark_deleted(user_id, self._clock.now_ms() + 1, [source_ip]) is None:
            raise NotFound("User not found.")
        if self._schedule_purge is not None:
            # A safety net: if this request dies half-way, the delayed job finishes the purge.
            self._schedule_purge(user_id)
        return self.purge(user_id)

    def pending(self, user_id: str) -> bool:
        """Whether a deletion of this user was started and not finished."""
        return self._eraser.pending(user_id) is not None

    def purge(self, user_id: str) -> Deletion:
        """Delete everything of a user flagged as being deleted; a no-op for any other user (a live account
        is never purged by mistake, and a finished purge has nothing left to do)."""
        pending = self._eraser.pending(user_id)
        if pending is None:
            return Deletion(user_id=user_id, finished=True)
        email, source_ips = pending
        now_ms = self._clock.now_ms()
        configs: list[BotConfig] = self._bots.list_for(user_id)
        states: dict[str, BotState] = self._states.get_many([c.id for c in configs]) if configs else {}
        positions = []
        for config in configs:
            state = states.get(config.id)
            if config.mode is Mode.LIVE and state is not None and state.position_qty > 0:
                positions.append(
                    {"bot_id": config.id, "symbol": config.symbol, "quantity": str(state.position_qty), "mode": "live"}
                )
            self._eraser.delete_bot_data(user_id, config.id)
        keys = self._eraser.delete_api_keys(user_id)
        backtests = self._eraser.delete_backtests(user_id)
        blobs = self._blobs.delete_prefix(f"backtests/{user_id}/")
        notifications = self._eraser.delete_notifications(user_id)
        until_s = now_ms // 1000 + self._retention_days * 86_400 if self._retention_days > 0 else None
        trades_deleted, trades_retained = self._eraser.retire_trades(user_id, until_s)
        self._eraser.delete_counters(user_id, email, source_ips, now_ms)
        self._eraser.delete_refresh_tokens(user_id)
        self._eraser.delete_user(user_id, email)
        return Deletion(
            user_id=user_id,
            bots_deleted=len(configs),
            positions_left=positions,
            api_keys_deleted=keys,
            backtests_deleted=backtests,
            blobs_deleted=blobs,
            notifications_deleted=notifications,
            trades_deleted=trades_deleted,
            trades_retained=trades_retained,
            trades_retained_until=iso_utc(until_s * 1000) if until_s and trades_retained else None,
        )

    # --- export ------------------------------------------------------------------------------------

    def export(self, user_id: str, password: str, *, otp: str | None = None) -> bytes:
        """A zip of everything the user has: JSON files and CSVs (see `README.txt` inside). No secret is in
        it: no password hash, no API secret or its ciphertext, no webhook signing secret (only whether one
        is set; it is shown and rotated in Settings), no refresh token."""
        self._confirm(user_id, password, otp)
        user = self._users.get_user(user_id)
        files: dict[str, str] = {
            "account.json": dump(
                {
                    "format": EXPORT_FORMAT,
                    "exported_at": iso_utc(self._clock.now_ms()),
                    "id": user.id,
                    "email": user.email,
                    "created_at": iso_utc(user.created_at_ms),
                }
            ),
            "settings.json": dump(
                {"webhook_url": user.webhook_url, "webhook_secret_set": bool(user.webhook_url and user.webhook_secret)}
            ),
            "api_keys.json": dump([k.to_dict() for k in self._api_keys.list(user_id)]),
            "bots.json": self._bots_json(user_id),
            "trades.csv": self._trades.export_csv(user_id, TradeFilter(), max_rows=10_000_000),
        }
        self._add_backtests(user_id, files)
        notes = self._notes(user_id)
        files["notifications.json"] = dump(notes)
        files["notifications.csv"] = notifications_csv(notes)
        files["README.txt"] = README
        return zip_files(files, self._export_max)

    def _bots_json(self, user_id: str) -> str:
        configs: list[BotConfig] = self._bots.list_for(user_id)
        states = self._states.get_many([c.id for c in configs]) if configs else {}
        return dump(
            [{"config": jsonable(c), "state": jsonable(states.get(c.id) or BotState(bot_id=c.id))} for c in configs]
        )

    def _add_backtests(self, user_id: str, files: dict[str, str]) -> None:
        """Each finished backtest's result as `backtests/<id>.json`, then the list as `backtests.json`."""
        backtests = []
        cursor: str | None = None
        while True:
            page, cursor = self._backtests.page(user_id, cursor, 100)
            for bt in page:
                backtests.append(jsonable(bt))
                result = self._backtests.result(bt)
                if result is not None:
                    files[f"backtests/{bt.id}.json"] = dump(result)
            if not cursor:
                break
        files["backtests.json"] = dump(backtests)

    def _notes(self, user_id: str) -> list[Any]:
        notes: list[Any] = []
        cursor: str | None = None
        while True:
            items, cursor = self._notifications.page(user_id, cursor, 100)
            notes += [jsonable(n) for n in items]
            if not cursor:
                break
        return notes
