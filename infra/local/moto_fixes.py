"""Make moto's DynamoDB behave like DynamoDB under concurrency, and take out the costs moto has and AWS does
not, so the local runtime, the tests and the benchmarks measure the platform rather than the emulator.

moto rolls a failed TransactWriteItems back by restoring deep copies of whole tables taken when the
transaction began: that erases what other threads wrote in the meantime, lets a concurrent reader see a
transaction half applied, and costs a copy of every table involved per transaction (seconds per call once a
table holds a few thousand items). DynamoDB's transactions are serializable. So `serialize_dynamodb` holds
one lock across moto's DynamoDB item writes, point reads and transactions, and a transaction remembers only
the items it touches and puts those back when it fails. The other functions below each remove a cost that
grows with a whole table or queue (see docs/local-runtime.md). The platform's own code is unchanged and
relies only on DynamoDB's and SQS's documented guarantees."""

from __future__ import annotations

import copy
import functools
import threading
import types
from typing import Any

# Writes, transactions and point reads take the lock. Queries and scans do not: in moto they walk whole
# tables (a scan also sorts them), and holding the lock across them stalls every tick behind the API's lists.
_OPERATIONS = ("put_item", "update_item", "delete_item", "get_item")


def patch_moto() -> None:
    """Every fix below; idempotent, and called before moto serves its first request."""
    serialize_dynamodb()
    fast_dynamodb_query()
    fast_sqs_receive()
    fast_sqs_send()
    fast_service_lookup()
    fast_attribute_values()
    plain_number_arithmetic()


def plain_number_arithmetic() -> None:
    """moto's ADD / SET a + b stores `f"{Decimal}"`, which for an exact zero of a fraction is "0E-8"; its next
    ADD reads a number without a "." as int() and fails (ValueError). DynamoDB keeps numbers in plain form:
    store the result so ("0.00000000")."""
    from decimal import Decimal

    from moto.dynamodb.models.dynamo_type import DDBType, DynamoType

    if getattr(DynamoType, "_plain_numbers", False):
        return
    add, sub = DynamoType.__add__, DynamoType.__sub__

    def plain(result: Any) -> Any:
        if result.type == DDBType.NUMBER and ("E" in result.value or "e" in result.value):
            result.value = format(Decimal(result.value), "f")
        return result

    DynamoType.__add__ = lambda self, other: plain(add(self, other))  # type: ignore[method-assign]
    DynamoType.__sub__ = lambda self, other: plain(sub(self, other))  # type: ignore[method-assign]
    DynamoType._plain_numbers = True  # type: ignore[attr-defined]


def serialize_dynamodb() -> None:
    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    if getattr(DynamoDBBackend, "_serialized_by_tradebot", False):
        return
    lock = threading.RLock()
    for name in _OPERATIONS:
        original = getattr(DynamoDBBackend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, functools.wraps(original)(locked))

    # moto's transaction code snapshots tables with copy.deepcopy; tables are restored item by item below.
    def deepcopy_but_tables(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    models.copy = types.SimpleNamespace(deepcopy=deepcopy_but_tables)  # type: ignore[attr-defined]
    original_transact = DynamoDBBackend.transact_write_items

    @functools.wraps(original_transact)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with lock:
            saved = _touched_items(self, transact_items)
            try:
                return original_transact(self, transact_items)
            except Exception:
                for table_name, key, old in reversed(saved):
                    if old is None:
                        self.delete_item(table_name, key)
                    else:
                        self.get_table(table_name).put_item(old, overwrite=True)
                raise

    DynamoDBBackend.transact_write_items = transact_write_items
    DynamoDBBackend._serialized_by_tradebot = True  # type: ignore[attr-defined]


def fast_sqs_receive() -> None:
    """moto's ReceiveMessage asks for the whole queue's attributes once per message it looks at, to read the
    retention period: with a backlog of a few thousand ticks every receive costs seconds, the backlog grows
    and the embedded AWS never catches up. Read the one attribute directly."""
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    if getattr(SQSBackend, "_fast_receive_by_tradebot", False):
        return

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        return bool(int(queue.message_retention_period) + message.sent_timestamp / 1000 > unix_time())

    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period
    SQSBackend._fast_receive_by_tradebot = True  # type: ignore[attr-defined]


def fast_service_lookup() -> None:
    """moto's server finds the service of every request by listing its own package directory and stat-ing
    each of some 250 entries (half a millisecond per request). The list never changes while it runs."""
    import moto.backends as backends

    if getattr(backends, "_fast_lookup_by_tradebot", False):
        return
    services = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: services  # type: ignore[assignment]
    backends._fast_lookup_by_tradebot = True  # type: ignore[attr-defined]


def fast_attribute_values() -> None:
    """moto writes every response through a generic serializer that walks the API model: for each DynamoDB
    attribute value it looks up all ten members of AttributeValue (S, N, B, M, ...) through several name
    aliases, which was 60% of the CPU of an index Query returning 600 bots. A value that is already in
    wire form and made only of strings (S, N, SS, NS, and M or L of those) is written as it is; anything
    else (B, BOOL, NULL) still takes moto's own path."""
    from moto.core.serialize import BaseJSONSerializer

    if getattr(BaseJSONSerializer, "_fast_values_by_tradebot", False):
        return
    original = BaseJSONSerializer._serialize_type_structure

    @functools.wraps(original)
    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue":
            wire = _plain_attribute(value)
            if wire is not None:
                serialized[self.get_serialized_name(shape, key)] = wire
                return
        original(self, serialized, value, shape, key)

    original_map = BaseJSONSerializer._serialize_type_map

    @functools.wraps(original_map)
    def serialize_map(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if shape.value.name == "AttributeValue" and isinstance(value, dict):
            wire = {name: _plain_attribute(v) for name, v in value.items()}
            if all(v is not None for v in wire.values()):
                serialized[self.get_serialized_name(shape, key)] = wire
                return
        original_map(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign]
    BaseJSONSerializer._serialize_type_map = serialize_map  # type: ignore[method-assign]
    BaseJSONSerializer._fast_values_by_tradebot = True  # type: ignore[attr-defined]


def _plain_attribute(value: Any) -> dict[str, Any] | None:
    """The JSON of an attribute value made of strings only, else None."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((kind, inner),) = value.items()
    if kind in ("S", "N"):
        return {kind: inner} if isinstance(inner, str) else None
    if kind in ("SS", "NS"):
        return {kind: list(inner)} if isinstance(inner, list) and all(isinstance(v, str) for v in inner) else None
    if kind == "M" and isinstance(inner, dict):
        members = {name: _plain_attribute(v) for name, v in inner.items()}
        return None if any(v is None for v in members.values()) else {"M": members}
    if kind == "L" and isinstance(inner, list):
        elements = [_plain_attribute(v) for v in inner]
        return None if any(v is None for v in elements) else {"L": elements}
    return None


_query = threading.local()


def fast_dynamodb_query() -> None:
    """moto answers every Query, on a table or an index, by sorting all the table's items and then comparing
    each with the key, and it projects an index's items by converting the whole item to JSON and back once
    per projected attribute: with 10,000 bots one index Query cost half a second of CPU, where DynamoDB reads
    only the partition asked for. While a Query runs, the items it starts from are those whose key
    attributes match, unsorted (the Query sorts what it keeps by the table's or the index's keys, a total
    order, and checks every condition again). An index projects by picking its top-level attributes, which
    is all a KEYS_ONLY or INCLUDE projection names; unlike moto's JSON round trip it keeps a number's stored
    text ("01.50" stays "01.50"), as moto's table reads already do."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import SecondaryIndex, Table

    if getattr(Table, "_fast_query_by_tradebot", False):
        return
    original_query = Table.query
    original_all_items = Table.all_items

    def project(self: Any, item: Any) -> Any:
        kind = (self.projection or {}).get("ProjectionType")
        if kind not in ("KEYS_ONLY", "INCLUDE"):
            return item
        names = self.table_key_attrs + self.schema_key_attrs
        if kind == "INCLUDE":
            names = names + list(self.projection.get("NonKeyAttributes", []))
        projected = Item(hash_key=item.hash_key, range_key=item.range_key, attrs={})
        # moto projects deep copies of the stored items (Table.query and Table.scan copy before projecting),
        # so sharing their values is safe. dict.update skips the size check LimitedSizeDict runs per
        # attribute: the projection of an item cannot be larger than the item.
        values = {name: DynamoType(item.attrs[name]) for name in dict.fromkeys(names) if name in item.attrs}
        dict.update(projected.attrs, values)
        return projected

    def all_items(self: Any) -> list[Any]:
        wanted = getattr(_query, "keys", None)
        if wanted is None:
            return original_all_items(self)  # type: ignore[no-any-return]
        # list() of a dict view is one step under the GIL, so a concurrent writer cannot break the walk.
        groups = list(self.items.values())
        items = [item for group in groups for item in list(group.values())] if self.range_key_attr else groups
        return [item for item in items if all(_same(item.attrs.get(name), value) for name, value in wanted)]

    @functools.wraps(original_query)
    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        wanted = kwargs.get("hash_key_conditions") if index_name else [(self.hash_key_attr, hash_key)]
        if not wanted or any(value is None for _, value in wanted):
            return original_query(self, hash_key, *args, **kwargs)
        _query.keys = wanted
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _query.keys = None

    SecondaryIndex.project = project  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]
    Table._fast_query_by_tradebot = True  # type: ignore[attr-defined]


def _same(value: Any, wanted: Any) -> bool:
    if value is None or value.type != wanted.type:
        return False
    # Numbers compare by value ("1" == "1.0"); moto's own equality knows how.
    return bool(value.value == wanted.value or (value.type == "N" and value == wanted))


_sending = threading.local()


def fast_sqs_send() -> None:
    """moto's SendMessage reads the queue's whole attribute map to learn whether content-based deduplication is
    on, and that map counts the visible, delayed and in-flight messages, each with a clock read per message:
    one SendMessageBatch into a queue holding 3,000 ticks cost half a second, so dispatching 10,000 bots never
    finished. While a message is being sent, the map leaves out the three counts, which sending never reads."""
    from moto.core.utils import camelcase_to_underscores
    from moto.sqs.models import Queue, SQSBackend

    if getattr(SQSBackend, "_fast_send_by_tradebot", False):
        return
    full_attributes = Queue.attributes.fget  # type: ignore[attr-defined]

    def attributes(self: Any) -> dict[str, Any]:
        if not getattr(_sending, "active", False):
            return full_attributes(self)  # type: ignore[no-any-return]
        # What sending reads: the FIFO settings (ContentBasedDeduplication among them) and the delay.
        result: dict[str, Any] = {"DelaySeconds": self.delay_seconds}
        if self.fifo_queue:
            for name in Queue.FIFO_ATTRIBUTES:
                result[name] = getattr(self, camelcase_to_underscores(name))
        return {k: str(v).lower() if isinstance(v, bool) else v for k, v in result.items()}

    Queue.attributes = property(attributes)  # type: ignore[assignment,method-assign]
    for name in ("send_message", "send_message_batch"):
        original = getattr(SQSBackend, name)

        def sending(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            outer = getattr(_sending, "active", False)
            _sending.active = True
            try:
                return __original(self, *args, **kwargs)
            finally:
                _sending.active = outer

        setattr(SQSBackend, name, functools.wraps(original)(sending))
    SQSBackend._fast_send_by_tradebot = True  # type: ignore[attr-defined]


def _touched_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], Any]]:
    """(table, key, the item's attributes before the transaction or None) for every item it names."""
    saved = []
    for item in transact_items:
        try:
            op_type, op = next(iter(item.items()))
            table_name = op["TableName"]
            table = backend.get_table(table_name)
            if op_type == "Put":
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            current = backend.get_item(table_name, key)
        except Exception:  # noqa: S112 - malformed: moto's own validation answers it, and nothing is written
            continue
        saved.append((table_name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None))
    return saved
