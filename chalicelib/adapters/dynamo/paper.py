"""Paper accounts (one per paper bot) in the paper-accounts table: balances, orders and OCO lists.

Every change is one DynamoDB transaction whose conditions carry the invariants, never read-then-write: an order
(or OCO list) item is created only if its client id is new or names a cancelled order (placing twice fills once;
a cancelled order's id is free again, as on Binance), a debit or reservation only if the free balance covers it,
and a resting order changes only at the version it was read at, so two settles of the same candles (or a cancel
racing a fill) book once: the loser re-reads. Open orders carry `open_key` ("<symbol>#<client order id>"),
removed when they close: the sparse `open` index answers "the open orders of this account on this symbol" in one
query, however long the history.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, connection, table_meta
from chalicelib.adapters.dynamo.decimal_attr import DecimalAttribute
from chalicelib.domain.orders import Balance, Fill, Order, OrderStatus, OrderType, Side

ZERO = Decimal(0)
REUSABLE = (OrderStatus.CANCELED.value, OrderStatus.EXPIRED.value)  # client ids a new order may take over


class DuplicateOrder(Exception):
    """An order (or OCO list) with this client id already exists in the account."""


class InsufficientBalance(Exception):
    """The account cannot cover the debit or reservation."""


class OpenIndex(GlobalSecondaryIndex["PaperItem"]):
    """Sparse: only open orders carry `open_key`."""

    class Meta:
        index_name = "open"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    open_key = UnicodeAttribute(range_key=True)


class PaperItem(Model):
    Meta = table_meta("paper-accounts")

    account_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # "balance#<ASSET>" | "order#<client order id>" | "list#<list id>"
    # balance
    free = DecimalAttribute(null=True)
    locked = DecimalAttribute(null=True)
    # order
    symbol = UnicodeAttribute(null=True)
    side = UnicodeAttribute(null=True)
    order_type = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    quantity = DecimalAttribute(null=True)
    executed_quantity = DecimalAttribute(null=True)
    quote_quantity = DecimalAttribute(null=True)
    price = DecimalAttribute(null=True)
    stop_price = DecimalAttribute(null=True)
    time_in_force = UnicodeAttribute(null=True)
    fills = UnicodeAttribute(null=True)  # JSON [[price, quantity, fee, fee asset], ...]
    fill_price = DecimalAttribute(null=True)  # items written before partial fills: one fill
    fee = DecimalAttribute(null=True)
    fee_asset = UnicodeAttribute(null=True)
    reserved_asset = UnicodeAttribute(null=True)
    reserved = DecimalAttribute(null=True)
    created_at_ms = NumberAttribute(null=True)
    order_list_id = UnicodeAttribute(null=True)
    sibling = UnicodeAttribute(null=True)  # the other leg of an OCO (list items: both legs, comma-separated)
    version = NumberAttribute(null=True)
    settled_ms = NumberAttribute(null=True)  # candles opening before this are applied to the order
    triggered = BooleanAttribute(null=True)  # a stop that triggered and now rests as a limit
    open_key = UnicodeAttribute(null=True)
    exchange_order_id = UnicodeAttribute(null=True)  # absent on items written before client ids were reusable
    open_index = OpenIndex()


@dataclass(frozen=True, slots=True)
class Move:  # an amount of one asset taken from or given to a balance
    asset: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PaperOrder:
    """An order as the paper book holds it: the order, what is still locked for it, and the book's state."""

    order: Order
    reserved: Move | None
    version: int = 0
    settled_ms: int = 0
    triggered: bool = False
    sibling: str | None = None
    time_in_force: str | None = None


@dataclass(frozen=True, slots=True)
class Delta:  # a change to one asset's balance: `free` below zero must be covered by the free balance
    free: Decimal = ZERO
    locked: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class OcoList:
    list_client_order_id: str
    leg_ids: tuple[str, ...]


def _order_key(client_order_id: str) -> str:
    return f"order#{client_order_id}"


def _balance_key(asset: str) -> str:  # one item per asset: "balance#BTC"
    return f"balance#{asset}"


def _to_item(account_id: str, paper: PaperOrder) -> PaperItem:
    order, reserved = paper.order, paper.reserved
    fills = json.dumps([[str(f.price), str(f.quantity), str(f.fee), f.fee_asset] for f in order.fills])
    return PaperItem(
        account_id,
        _order_key(order.client_order_id),
        symbol=order.symbol,
        side=order.side.value,
        order_type=order.type.value,
        status=order.status.value,
        quantity=order.quantity,
        executed_quantity=order.executed_quantity,
        quote_quantity=order.quote_quantity,
        price=order.price,
        stop_price=order.stop_price,
        time_in_force=paper.time_in_force,
        fills=fills,
        reserved_asset=reserved.asset if reserved else None,
        reserved=reserved.amount if reserved else None,
        created_at_ms=order.created_at_ms,
        order_list_id=order.order_list_id,
        sibling=paper.sibling,
        version=paper.version,
        settled_ms=paper.settled_ms,
        triggered=paper.triggered or None,
        open_key=f"{order.symbol}#{order.client_order_id}" if order.is_open else None,
        exchange_order_id=order.exchange_order_id,
    )


def _fills(item: PaperItem) -> tuple[Fill, ...]:
    if item.fills:
        return tuple(Fill(Decimal(p), Decimal(q), Decimal(fee), a) for p, q, fee, a in json.loads(item.fills))
    if item.fill_price is not None and item.fee is not None and item.fee_asset:
        return (Fill(item.fill_price, item.executed_quantity or ZERO, item.fee, item.fee_asset),)
    return ()


def _from_item(item: PaperItem) -> PaperOrder:
    cid = item.sk.removeprefix("order#")
    order = Order(
        symbol=str(item.symbol),
        client_order_id=cid,
        exchange_order_id=item.exchange_order_id or f"paper-{cid}",
        side=Side(item.side),
        type=OrderType(item.order_type),
        status=OrderStatus(item.status),
        quantity=item.quantity or ZERO,
        executed_quantity=item.executed_quantity or ZERO,
        quote_quantity=item.quote_quantity or ZERO,
        price=item.price,
        created_at_ms=int(item.created_at_ms or 0),
        fills=_fills(item),
        stop_price=item.stop_price,
        order_list_id=item.order_list_id,
    )
    reserved = Move(item.reserved_asset, item.reserved) if item.reserved_asset and item.reserved is not None else None
    settled = int(item.settled_ms) if item.settled_ms is not None else order.created_at_ms
    return PaperOrder(
        order, reserved, int(item.version or 0), settled, bool(item.triggered), item.sibling, item.time_in_force
    )


def _reason_codes(exc: TransactWriteError) -> list[str | None]:
    return [r.code if r is not None else None for r in (exc.cancellation_reasons or [])]


class DynamoPaperStore(AwsBoundary):
    def _transaction(self) -> TransactWrite:
        return TransactWrite(connection=connection())

    def seed(self, account_id: str, balances: Mapping[str, Decimal]) -> bool:
        """Starting balances, set once per account (a retried bot creation does not top up)."""
        created = False
        for asset, amount in balances.items():
            try:
                PaperItem(account_id, _balance_key(asset), free=amount, locked=ZERO).save(
                    condition=PaperItem.sk.does_not_exist()
                )
                created = True
            except PutError as exc:
                # A timeout has no response: pynamodb's `cause_response_code` raises AttributeError on it.
                response = getattr(exc.cause, "response", None) or {}
                if response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
        return created

    def balances(self, account_id: str) -> list[Balance]:
        items = PaperItem.query(account_id, PaperItem.sk.startswith("balance#"), consistent_read=True)
        out = [Balance(i.sk.removeprefix("balance#"), i.free or ZERO, i.locked or ZERO) for i in items]
        return [b for b in out if b.total != 0]

    def get_order(self, account_id: str, client_order_id: str) -> PaperOrder | None:
        try:
            return _from_item(PaperItem.get(account_id, _order_key(client_order_id), consistent_read=True))
        except PaperItem.DoesNotExist:
            return None

    def get_list(self, account_id: str, list_client_order_id: str) -> OcoList | None:
        try:
            item = PaperItem.get(account_id, f"list#{list_client_order_id}", consistent_read=True)
        except PaperItem.DoesNotExist:
            return None
        return OcoList(list_client_order_id, tuple((item.sibling or "").split(",")))

    def open_orders(self, account_id: str, symbol: str | None = None) -> list[PaperOrder]:
        """One query of the sparse index (eventually consistent: a writer's version check catches a stale
        item, and the settle re-reads it)."""
        key = None if symbol is None else PaperItem.open_key.startswith(f"{symbol}#")
        return [_from_item(i) for i in PaperItem.open_index.query(account_id, key)]

    def record_fill(self, account_id: str, order: Order, debit: Move, credit: Move) -> None:
        """A new order filled at once: create it, debit one asset, credit the other."""
        deltas = {debit.asset: Delta(free=-debit.amount), credit.asset: Delta(free=credit.amount)}
        self.record_new(account_id, [PaperOrder(order, None)], deltas)

    def record_new(
        self,
        account_id: str,
        orders: Sequence[PaperOrder],
        deltas: Mapping[str, Delta],
        oco: OcoList | None = None,
    ) -> None:
        """New orders (an OCO's legs with their list item) and their balance changes, in one transaction."""
        try:
            with self._transaction() as tx:
                if oco is not None:
                    legs = ",".join(oco.leg_ids)
                    list_item = PaperItem(account_id, f"list#{oco.list_client_order_id}", sibling=legs)
                    tx.save(list_item, condition=PaperItem.sk.does_not_exist())
                for paper in orders:
                    # A cancelled order's client id is free again (ids are unique among open orders, as on
                    # Binance); a filled one's is not, so a retried placement still fills once.
                    reusable = PaperItem.sk.does_not_exist() | PaperItem.status.is_in(*REUSABLE)
                    tx.save(_to_item(account_id, paper), condition=reusable)
                self._balance_updates(tx, account_id, deltas)
        except TransactWriteError as exc:
            codes = _reason_codes(exc)
            created = len(orders) + (oco is not None)
            if "ConditionalCheckFailed" in codes[:created]:
                raise DuplicateOrder(oco.list_client_order_id if oco else orders[0].order.client_order_id) from None
            if "ConditionalCheckFailed" in codes:
                raise InsufficientBalance(orders[0].order.client_order_id) from None
            raise

    def commit(self, account_id: str, changed: Sequence[PaperOrder], deltas: Mapping[str, Delta]) -> bool:
        """Replace resting orders read at `version - 1` with their new state (version already bumped) and
        apply the balance changes, or nothing when another writer changed one of them first (False)."""
        try:
            with self._transaction() as tx:
                for paper in changed:
                    was = paper.version - 1
                    unchanged = PaperItem.version == was
                    if was == 0:  # items written before versions existed
                        unchanged = unchanged | PaperItem.version.does_not_exist()
                    tx.save(_to_item(account_id, paper), condition=unchanged)
                self._balance_updates(tx, account_id, deltas)
        except TransactWriteError as exc:
            codes = _reason_codes(exc)
            if any(c in ("ConditionalCheckFailed", "TransactionConflict") for c in codes):
                return False
            raise
        return True

    @staticmethod
    def _balance_updates(tx: TransactWrite, account_id: str, deltas: Mapping[str, Delta]) -> None:
        for asset, delta in sorted(deltas.items()):
            if delta.free == 0 and delta.locked == 0:
                continue
            actions: list[Action] = [PaperItem.free.add(delta.free), PaperItem.locked.add(delta.locked)]
            condition = PaperItem.free >= -delta.free if delta.free < 0 else None
            tx.update(PaperItem(account_id, _balance_key(asset)), actions=actions, condition=condition)
