"""DynamoDB read and write units of one call, by the rules bench/capacity.py cites. Writes read the item
before and after through the unhooked client (a write is billed on the larger image, and a failed
conditional write still costs its units); reads size what the call returned."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from bench.capacity import item_size, read_units, write_units

if TYPE_CHECKING:
    from bench.capacity import Meter

Raw = Callable[..., Any]
Item = Mapping[str, Any] | None
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


def dynamo_units(meter: Meter, raw: Raw, operation: str, params: dict[str, Any]) -> Any:
    if operation in WRITES:
        return _write(meter, raw, operation, params)
    response = raw(operation, **params)
    reads = _read_units(operation, params, response)
    meter.record(operation, params, sum(units for units, _ in reads.values()), 0.0, reads)
    return response


def _read_units(operation: str, params: Mapping[str, Any], response: Mapping[str, Any]) -> dict[str, tuple[float, int]]:
    """Read units and bytes read, by table."""
    if operation == "GetItem":
        size = item_size(response.get("Item"))
        return {params["TableName"]: (read_units(size, bool(params.get("ConsistentRead"))), size)}
    if operation == "BatchGetItem":
        reads = {}
        for table, request in params.get("RequestItems", {}).items():
            found = response.get("Responses", {}).get(table, [])
            unprocessed = len(response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", []))
            consistent = bool(request.get("ConsistentRead"))
            units = sum(read_units(item_size(i), consistent) for i in found)
            # A key with no item still costs the minimum read.
            missing = len(request.get("Keys", [])) - len(found) - unprocessed
            units += max(0, missing) * read_units(0, consistent)
            reads[table] = (units, sum(item_size(i) for i in found))
        return reads
    if operation in ("Query", "Scan"):
        items = response.get("Items", [])
        size = sum(item_size(i) for i in items)
        scanned, returned = response.get("ScannedCount", len(items)), len(items)
        if returned and scanned > returned:  # a filter is applied after the read: the filtered-out items cost too
            size = size * scanned // returned
        consistent = bool(params.get("ConsistentRead")) and "IndexName" not in params
        return {params["TableName"]: (read_units(size, consistent), size)}
    if operation == "TransactGetItems":
        reads: dict[str, tuple[float, int]] = {}
        for action, answer in zip(params.get("TransactItems", []), response.get("Responses", []), strict=False):
            table, size = action["Get"]["TableName"], item_size(answer.get("Item"))
            units, total = reads.get(table, (0.0, 0))
            reads[table] = (units + read_units(size, True, transactional=True), total + size)
        return reads
    return {}  # control plane (DescribeTable, ...): not billed per request


def _targets(meter: Meter, raw: Raw, operation: str, params: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(table, key) of every item the write touches."""
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return [(params["TableName"], _key(meter, raw, params["TableName"], params))]
    found = []
    if operation == "BatchWriteItem":
        for table, requests in params.get("RequestItems", {}).items():
            for request in requests:
                body = request.get("PutRequest") or request.get("DeleteRequest") or {}
                found.append((table, _key(meter, raw, table, body)))
        return found
    for action in params.get("TransactItems", []):
        ((_, body),) = action.items()
        found.append((body["TableName"], _key(meter, raw, body["TableName"], body)))
    return found


def _key(meter: Meter, raw: Raw, table: str, body: Mapping[str, Any]) -> dict[str, Any]:
    if "Key" in body:
        return dict(body["Key"])
    return {name: body["Item"][name] for name in meter.table(raw, table)["keys"]}


def _image(raw: Raw, table: str, key: Mapping[str, Any]) -> Item:
    item: Item = raw("GetItem", TableName=table, Key=dict(key), ConsistentRead=True).get("Item")
    return item


def _write(meter: Meter, raw: Raw, operation: str, params: dict[str, Any]) -> Any:
    targets = _targets(meter, raw, operation, params)
    before = [_image(raw, table, key) for table, key in targets]
    failed: Exception | None = None
    try:
        response = raw(operation, **params)
    except Exception as exc:  # a refused condition or a cancelled transaction is billed all the same
        failed, response = exc, None
    after = before if failed else [_image(raw, table, key) for table, key in targets]
    transactional = operation == "TransactWriteItems"
    units = 0.0
    for (table, _), old, new in zip(targets, before, after, strict=True):
        units += write_units(max(item_size(old), item_size(new)), transactional)
        if not failed:
            units += _index_units(meter.table(raw, table), old, new)
    meter.record(operation, params, 0.0, units)
    if failed:
        raise failed
    return response


def _index_units(table: Mapping[str, Any], old: Item, new: Item) -> float:
    """A global secondary index holding the item is written too: once when the item enters, leaves or
    changes a projected attribute, twice (delete + put) when the index key itself changes."""
    units = 0.0
    for keys, projection in table["indexes"]:
        before, after = _projected(table, keys, projection, old), _projected(table, keys, projection, new)
        if before == after:
            continue
        size = max(item_size(before), item_size(after))
        moved = before and after and any(before[k] != after[k] for k in keys)
        units += write_units(size) * (2 if moved else 1)
    return units


def _projected(table: Mapping[str, Any], keys: list[str], projection: Mapping[str, Any], item: Item) -> Item:
    if not item or any(k not in item for k in keys):
        return None
    kind = projection.get("ProjectionType", "ALL")
    if kind == "ALL":
        return item
    names = set(table["keys"]) | set(keys)
    if kind == "INCLUDE":
        names |= set(projection.get("NonKeyAttributes", []))
    return {k: v for k, v in item.items() if k in names}
