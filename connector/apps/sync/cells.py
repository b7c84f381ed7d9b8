"""The types of CSV cells: every cell is text, but Klaviyo compares numbers and booleans as such.

A custom property sent as ``"271.59"`` is text to Klaviyo, so a segment condition "lifetime_value is
greater than 100" never matches it. The rule (:func:`auto_type`) for the cells of custom properties:

- a canonical decimal number becomes a number: ``-12``, ``271.59``, ``0.5``; not ``02134`` (a leading zero:
  zip codes, ids), ``+1``, ``1e5``, ``1,000``, ``.5``, nor one of more than 15 digits (a 19-digit order
  number would lose digits as a number);
- ``true`` / ``false``, in any case, becomes a boolean;
- anything else stays text.

``--types COLUMN=TYPE`` forces a column's type instead (:data:`CONVERTERS`: the input converters of
:mod:`connector.framework.inputs`, the rules a low-code step's inputs follow); a cell that cannot be read as
that type rejects its row. JSON lines are typed already and are left alone, as are standard fields.

Example:
    >>> [auto_type(cell) for cell in ("271.59", "-12", "02134", "1e5", "TRUE", "pro")]
    [271.59, -12, '02134', '1e5', True, 'pro']
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from connector.client.errors import InputError
from connector.framework import inputs

#: The rule, as ``sync --help`` states it.
RULE = (
    "CSV cells of custom properties (and of event properties) are typed: a plain decimal number (-12, 271.59, "
    "0.5; not 02134, +1, 1e5, 1,000 or one of more than 15 digits) is sent as a number, true/false (any case) "
    "as a boolean, anything else as text. Standard fields (names, zip, phone, ids...) are sent as written, "
    "JSON lines as they are typed. --types COLUMN=TYPE forces a column's type: string, number (any decimal "
    "or exponent), boolean (true/false, yes/no, y/n, on/off, 1/0) or date (ISO 8601; sent as an ISO 8601 "
    "datetime, UTC when it has no offset); a cell that is not of its type rejects its row."
)

# A cell's first character decides whether it can be anything but text (most cells are words); the checks
# below run on every cell of a custom property, so they are string methods, not a regular expression.
_NUMBER_START = frozenset("-0123456789")
_BOOLEAN_START = frozenset("tTfF")
_BOOLEANS = {
    "".join(cased): word == "true"
    for word in ("true", "false")
    for cased in itertools.product(*({c, c.upper()} for c in word))
}
_DIGITS = 15  # every decimal of up to 15 significant digits survives a trip through a double


def auto_type(cell: str) -> Any:
    """A CSV cell of a custom property as Klaviyo should see it: a number, a boolean or the text itself.

    Example:
        >>> auto_type("0.5"), auto_type("False"), auto_type("1,000"), auto_type("12345678901234567890")
        (0.5, False, '1,000', '12345678901234567890')
    """
    first = cell[:1]
    if first in _NUMBER_START:
        return _decimal(cell)
    if first in _BOOLEAN_START:
        return _BOOLEANS.get(cell, cell)
    return cell


def _decimal(cell: str) -> Any:
    """``cell`` as a number when it is a canonical decimal of at most 15 digits, else the cell."""
    whole, dot, fraction = cell.partition(".")
    digits = whole[1:] if whole[:1] == "-" else whole
    if not (digits.isdigit() and digits.isascii()) or (digits[0] == "0" and len(digits) > 1):
        return cell
    if not dot:
        return int(cell) if len(digits) <= _DIGITS else cell
    if not (fraction.isdigit() and fraction.isascii()):
        return cell
    if len(digits) + len(fraction) > _DIGITS and len((digits + fraction).lstrip("0")) > _DIGITS:
        return cell
    return float(cell)


class Memo(dict[str, Any]):
    """One column's cells, each typed once: ``memo[cell]`` is ``convert(cell)``, remembered for ``limit`` cells.

    Columns repeat their values (plans, dates, flags): a remembered cell costs one dictionary lookup, in C,
    instead of a call and the checks of :func:`auto_type`. A column of ever new cells (amounts, ids) would
    only pay for the lookups: once ``limit`` cells are remembered, ``on_full`` is called (the column's
    route then types its cells directly) and nothing more is remembered, so memory stays bounded.

    Example:
        >>> memo = Memo(auto_type, limit=1, on_full=lambda: print("full"))
        >>> memo["12"], memo["12"], memo["pro"], dict(memo)
        full
        (12, 12, 'pro', {'12': 12})
    """

    def __init__(
        self, convert: Callable[[str], Any], *, limit: int = 4096, on_full: Callable[[], None] | None = None
    ) -> None:
        super().__init__()
        self.convert = convert
        self.limit = limit
        self.on_full = on_full

    def __missing__(self, cell: str) -> Any:
        value = self.convert(cell)
        if len(self) < self.limit:
            self[cell] = value
        elif self.on_full is not None:
            self.on_full()
            self.on_full = None
        return value


def _as_cell_type(convert: Callable[[Any], Any]) -> Callable[[str], Any]:
    """A :mod:`~connector.framework.inputs` converter for the cells of a ``--types`` column.

    The rules are the inputs' own (one owner for what a number, a boolean or a time is); a cell that is not of
    its type raises ValueError with the input's words, which rejects its row naming the column.
    """

    def typed(cell: str) -> Any:
        try:
            return convert(cell)
        except InputError as exc:
            raise ValueError(exc.problem) from None

    typed.__name__ = convert.__name__
    return typed


#: ``--types`` names and their converters (each raises ValueError saying why it cannot read a cell; ``string``:
#: none, the cell is sent as written).
CONVERTERS: dict[str, Callable[[str], Any] | None] = {
    "string": None,
    "number": _as_cell_type(inputs.to_number),
    "boolean": _as_cell_type(inputs.to_bool),
    "date": _as_cell_type(inputs.to_timestamp),
}
