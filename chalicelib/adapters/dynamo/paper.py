"""Paper accounts (one per paper bot) in the paper-accounts table: balances and orders.

Every change is one DynamoDB transaction whose conditions carry the invariants, never read-then-write:
an order item is created only if its client order id is new (placing twice fills once), a debit only
if the balance covers it, an open order is filled or cancelled only while it is still NEW.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, connection, table_meta
from chalicelib.adapters.dynamo.decimal_attr import DecimalAttribute
from chalicelib.domain.orders import Balance, Fill, Order, OrderStatus, OrderType, Side

ZERO = Decimal(0)


class DuplicateOrder(Exception):
    """An order with this client order id already exists in the account."""


class InsufficientBalance(Exception):
    """The account cannot cover the debit or reservation."""


class PaperItem(Model):
    Meta = table_meta("paper-accounts")

    account_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # "balance#<ASSET>" | "order#<client order id>"
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
    fill_price = DecimalAttribute(null=True)
    fee = DecimalAttribute(null=True)
    fee_asset = UnicodeAttribute(null=True)
    reserved_asset = UnicodeAttribute(null=True)
    reserved = DecimalAttribute(null=True)
    created_at_ms = NumberAttribute(null=True)


@dataclass(frozen=True, slots=True)
class Move:
    asset: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PaperOrder:
    order: Order
    reserved: Move | None


def _order_key(client_order_id: str) -> str:
    return f"order#{client_order_id}"


def _balance_key(asset: str) -> str:
    return f"balance#{asset}"


def _to_item(account_id: str, order: Order, reserved: Move | None) -> PaperItem:
    fill = order.fills[0] if order.fills else None
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
        fill_price=fill.price if fill else None,
        fee=fill.fee if fill else None,
        fee_asset=fill.fee_asset if fill else None,
        reserved_asset=reserved.asset if reserved else None,
        reserved=reserved.amount if reserved else None,
        created_at_ms=order.created_at_ms,
    )


def _from_item(item: PaperItem) -> PaperOrder:
    fills: tuple[Fill, ...] = ()
    if item.fill_price is not None and item.fee is not None and item.fee_asset:
        fills = (Fill(item.fill_price, item.executed_quantity or ZERO, item.fee, item.fee_asset),)
    order = Order(
        symbol=str(item.symbol),
        client_order_id=item.sk.removeprefix("order#"),
        exchange_order_id=f"paper-{item.sk.removeprefix('order#')}",
        side=Side(item.side),
        type=OrderType(item.order_type),
        status=OrderStatus(item.status),
        quantity=item.quantity or ZERO,
        executed_quantity=item.executed_quantity or ZERO,
        quote_quantity=item.quote_quantity or ZERO,
        price=item.price,
        created_at_ms=int(item.created_at_ms or 0),
        fills=fills,
    )
    reserved = Move(item.reserved_asset, item.reserved) if item.reserved_asset and item.reserved is not None else None
    return PaperOrder(order, reserved)


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

    def open_orders(self, account_id: str) -> list[PaperOrder]:
        items = PaperItem.query(
            account_id,
            PaperItem.sk.startswith("order#"),
            filter_condition=PaperItem.status == OrderStatus.NEW.value,
            consistent_read=True,
        )
        return [_from_item(i) for i in items]

    def record_fill(self, account_id: str, order: Order, debit: Move, credit: Move) -> None:
        """A new order filled at once: create it, debit one asset, credit the other."""
        self._commit_new(account_id, order, None, debit, credit)

    def record_open(self, account_id: str, order: Order, reserve: Move) -> None:
        """A new resting order: create it and move `reserve` from free to locked."""
        self._commit_new(account_id, order, reserve, None, None)

    def _commit_new(
        self, account_id: str, order: Order, reserve: Move | None, debit: Move | None, credit: Move | None
    ) -> None:
        try:
            with self._transaction() as tx:
                tx.save(_to_item(account_id, order, reserve), condition=PaperItem.sk.does_not_exist())
                if reserve is not None:
                    tx.update(
                        PaperItem(account_id, _balance_key(reserve.asset)),
                        actions=[PaperItem.free.add(-reserve.amount), PaperItem.locked.add(reserve.amount)],
                        condition=PaperItem.free >= reserve.amount,
                    )
                if debit is not None:
                    tx.update(
                        PaperItem(account_id, _balance_key(debit.asset)),
                        actions=[PaperItem.free.add(-debit.amount)],
                        condition=PaperItem.free >= debit.amount,
                    )
                if credit is not None:
                    tx.update(
                        PaperItem(account_id, _balance_key(credit.asset)), actions=[PaperItem.free.add(credit.amount)]
                    )
        except TransactWriteError as exc:
            codes = _reason_codes(exc)
            if codes and codes[0] == "ConditionalCheckFailed":
                raise DuplicateOrder(order.client_order_id) from None
            if "ConditionalCheckFailed" in codes:
                raise InsufficientBalance(order.client_order_id) from None
            raise

    def fill_open(self, account_id: str, filled: Order, release: Move, credit: Move) -> bool:
        """Fill a resting order if it is still NEW: release its reservation and credit the proceeds."""
        fill = filled.fills[0]
        actions = [
            PaperItem.status.set(filled.status.value),
            PaperItem.executed_quantity.set(filled.executed_quantity),
            PaperItem.quote_quantity.set(filled.quote_quantity),
            PaperItem.fill_price.set(fill.price),
            PaperItem.fee.set(fill.fee),
            PaperItem.fee_asset.set(fill.fee_asset),
        ]
        return self._settle(account_id, filled.client_order_id, actions, release, credit)

    def cancel_open(self, account_id: str, client_order_id: str, release: Move) -> bool:
        actions = [PaperItem.status.set(OrderStatus.CANCELED.value)]
        return self._settle(account_id, client_order_id, actions, release, Move(release.asset, release.amount))

    def _settle(self, account_id: str, client_order_id: str, actions: list, release: Move, credit: Move) -> bool:  # type: ignore[type-arg]
        try:
            with self._transaction() as tx:
                tx.update(
                    PaperItem(account_id, _order_key(client_order_id)),
                    actions=actions,
                    condition=PaperItem.status == OrderStatus.NEW.value,
                )
                if release.asset == credit.asset:
                    tx.update(
                        PaperItem(account_id, _balance_key(release.asset)),
                        actions=[PaperItem.locked.add(-release.amount), PaperItem.free.add(credit.amount)],
                    )
                else:
                    tx.update(
                        PaperItem(account_id, _balance_key(release.asset)),
                        actions=[PaperItem.locked.add(-release.amount)],
                    )
                    tx.update(
                        PaperItem(account_id, _balance_key(credit.asset)), actions=[PaperItem.free.add(credit.amount)]
                    )
        except TransactWriteError as exc:
            if _reason_codes(exc)[:1] == ["ConditionalCheckFailed"]:
                return False  # someone else settled it first
            raise
        return True
