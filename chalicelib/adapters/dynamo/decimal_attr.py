"""A DynamoDB Number attribute that round-trips as Decimal (pynamodb's NumberAttribute goes via float,
which would corrupt money and quantities)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.constants import NUMBER


class DecimalAttribute(Attribute[Decimal]):
    attr_type = NUMBER

    def serialize(self, value: Any) -> str:
        return format(Decimal(value).normalize(), "f")

    def deserialize(self, value: Any) -> Decimal:
        return Decimal(value)
