"""Account erasure in DynamoDB: every item of one user, found by key or by a Query on the user's id (no Scan).
Each method is idempotent; see chalicelib/services/account.py for the order and the retention rules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, UpdateError

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.api_keys import ApiKeyItem
from chalicelib.adapters.dynamo.attempts import CounterModel
from chalicelib.adapters.dynamo.backtests import BacktestModel
from chalicelib.adapters.dynamo.base import Model, table_meta
from chalicelib.adapters.dynamo.bot_orders import BotOrderModel
from chalicelib.adapters.dynamo.bots import BotModel, BotStateModel
from chalicelib.adapters.dynamo.config_history import DynamoConfigHistory
from chalicelib.adapters.dynamo.daily_summary import DynamoSummarySchedule
from chalicelib.adapters.dynamo.key_audit import KeyUseItem
from chalicelib.adapters.dynamo.notifications import NotificationModel
from chalicelib.adapters.dynamo.paper import PaperItem
from chalicelib.adapters.dynamo.telegram import DynamoTelegramStore, TelegramItem
from chalicelib.adapters.dynamo.users import RefreshTokenModel, UserEmailModel, UserModel


class RetiredTradeModel(Model):
    """The trades table seen only through what retirement writes (the full model lives in bots.py)."""

    Meta = table_meta("trades")
    user_id = UnicodeAttribute(hash_key=True)
    trade_key = UnicodeAttribute(range_key=True)
    mode = UnicodeAttribute(null=True)
    account_deleted = BooleanAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # seconds, DynamoDB TTL


def _conditional_failed(exc: Exception) -> bool:
    return "ConditionalCheckFailed" in f"{getattr(exc, 'cause_response_code', '')} {exc}"


def _delete_all(model: type[Model], items: Iterable[Model]) -> int:
    count = 0
    with model.batch_write() as batch:  # BatchWriteItem, 25 a call, unprocessed items retried
        for item in items:
            batch.delete(item)
            count += 1
    return count


class DynamoAccountEraser(AwsBoundary):
    def __init__(
        self,
        *,
        quota_names: Sequence[str],
        egress_id: str,
        password_window_s: int,
        pair_window_s: int = 3600,
    ) -> None:
        self._quota_names = tuple(quota_names)
        self._egress_id = egress_id
        self._password_window_s = password_window_s
        self._pair_window_s = pair_window_s

    # --- the user record ---------------------------------------------------------------------------

    def mark_deleted(self, user_id: str, at_ms: int, source_ips: Sequence[str]) -> str | None:
        item = UserModel(user_id=user_id)
        actions: list[Any] = [
            # Kept when already set: a second run does not move the original instant.
            UserModel.deleted_at_ms.set(UserModel.deleted_at_ms | at_ms),
            UserModel.access_valid_after_ms.set(at_ms),
            UserModel.tokens_valid_after_ms.set(at_ms),
        ]
        if source_ips:
            actions.append(UserModel.deletion_sources.add(set(source_ips)))
        try:
            item.update(
                actions=actions,
                condition=UserModel.user_id.exists(),
            )
        except UpdateError as exc:
            if _conditional_failed(exc):
                return None
            raise
        return str(item.email)

    def pending(self, user_id: str) -> tuple[str, list[str]] | None:
        try:
            item = UserModel.get(user_id, consistent_read=True)
        except UserModel.DoesNotExist:
            return None
        if item.deleted_at_ms is None:
            return None
        return str(item.email), sorted(item.deletion_sources or ())

    def delete_user(self, user_id: str, email: str) -> None:
        try:
            UserEmailModel(email=email).delete(condition=UserEmailModel.user_id == user_id)
        except DeleteError as exc:
            if not _conditional_failed(exc):  # gone already, or the address belongs to a new account now
                raise
        UserModel(user_id=user_id).delete()

    def delete_refresh_tokens(self, user_id: str) -> int:
        tokens = list(RefreshTokenModel.by_user.query(user_id))
        families = {str(t.family_id) for t in tokens if t.family_id}
        items = [RefreshTokenModel(pk=t.pk) for t in tokens] + [RefreshTokenModel(pk=f"fam#{f}") for f in families]
        return _delete_all(RefreshTokenModel, items)

    # --- what the user owns ------------------------------------------------------------------------

    def delete_bot_data(self, user_id: str, bot_id: str) -> None:
        # The config first: its item carries the schedule-index key, so the bot gets no further tick.
        BotModel(user_id=user_id, bot_id=bot_id).delete()
        BotStateModel(bot_id=bot_id).delete()
        orders = BotOrderModel.query(bot_id, attributes_to_get=["bot_id", "sk"])
        _delete_all(BotOrderModel, (BotOrderModel(bot_id=o.bot_id, sk=o.sk) for o in orders))
        _delete_all(PaperItem, (PaperItem(account_id=p.account_id, sk=p.sk) for p in PaperItem.query(bot_id)))
        DynamoConfigHistory().delete_for(bot_id)

    def delete_api_keys(self, user_id: str) -> int:
        keys = [ApiKeyItem(user_id, k.key_id) for k in ApiKeyItem.query(user_id, attributes_to_get=["key_id"])]
        for key in keys:  # each key's audit trail goes with it (TTL would take 90 days)
            uses = KeyUseItem.query(f"{user_id}#{key.key_id}", attributes_to_get=["key_ref", "use_key"])
            _delete_all(KeyUseItem, (KeyUseItem(u.key_ref, u.use_key) for u in uses))
        return _delete_all(ApiKeyItem, keys)

    def delete_backtests(self, user_id: str) -> int:
        from chalicelib.adapters.dynamo.drift_reports import delete_user_drift_reports
        from chalicelib.adapters.dynamo.optimizations import delete_user_optimizations

        delete_user_optimizations(user_id)  # the optimization jobs and trials go with the backtests
        delete_user_drift_reports(user_id)  # so do the drift reports and the drift-alert setting
        rows = BacktestModel.query(user_id, attributes_to_get=["user_id", "backtest_id"])
        return _delete_all(BacktestModel, (BacktestModel(user_id=user_id, backtest_id=r.backtest_id) for r in rows))

    def delete_notifications(self, user_id: str) -> int:
        telegram = DynamoTelegramStore()
        summary_time = telegram.settings(user_id).daily_summary_time
        if summary_time is not None:  # the schedule's entry goes too: no summary for a deleted account
            DynamoSummarySchedule().set_time(user_id, summary_time, None)
        telegram.unlink(user_id)  # the Telegram chat stops reaching the account
        TelegramItem(f"user#{user_id}").delete()
        rows = NotificationModel.query(user_id, attributes_to_get=["user_id", "notification_key"])
        return _delete_all(
            NotificationModel,
            (NotificationModel(user_id=user_id, notification_key=r.notification_key) for r in rows),
        )

    def retire_trades(self, user_id: str, live_until_s: int | None) -> tuple[int, int]:
        deleted: list[RetiredTradeModel] = []
        retained = 0
        for trade in RetiredTradeModel.query(user_id):
            if live_until_s is None or trade.mode != "live":
                deleted.append(RetiredTradeModel(user_id=user_id, trade_key=trade.trade_key))
            elif not trade.account_deleted:
                trade.update(
                    actions=[
                        RetiredTradeModel.account_deleted.set(True),
                        RetiredTradeModel.expires_at.set(live_until_s),
                    ]
                )
                retained += 1
            else:
                retained += 1
        return _delete_all(RetiredTradeModel, deleted), retained

    def delete_counters(self, user_id: str, email: str, source_ips: Sequence[str], now_ms: int) -> int:
        now_s = now_ms // 1000
        keys = [f"quota#{user_id}#{q}" for q in self._quota_names]
        keys.append(f"webhook-breaker#{user_id}")
        windowed: list[tuple[str, int]] = [
            (f"pwchange#{user_id}", self._password_window_s),
            (f"login#acct#{email}", self._pair_window_s),
        ]
        windowed += [(f"login#pair#{email}#{ip}", self._pair_window_s) for ip in source_ips]
        for key, window in windowed:
            # The current window and the one before it: older windows have expired (TTL at their end + 60 s).
            start = now_s - now_s % window
            keys += [f"{key}#{start}", f"{key}#{start - window}"]
        minute = now_s // 60
        # The user's share of the exchange weight budget (adapters/binance/budget.py), one item a minute with a
        # TTL two minutes on: the last ten minutes, so a slow purge or a lagging TTL sweep leaves none behind.
        keys += [f"binance-weight#{self._egress_id}~user~{user_id}#{m}" for m in range(minute - 10, minute + 1)]
        items: list[Any] = [CounterModel(pk=k) for k in dict.fromkeys(keys)]
        return _delete_all(CounterModel, items)


__all__ = ["DynamoAccountEraser", "RetiredTradeModel"]
