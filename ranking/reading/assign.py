"""``COLUMN=VALUE``: one parser for ``--set`` (a value every listing of a
joined catalog gets) and ``--what-if`` (a value one audited listing is
re-scored with).

The column is named by its canonical name or any alias an export's header
may use; the value is read as an export's cell of that column would be (its
forms, its type, its range), so ``dsr_service=487`` is 4.87 in both. The two
options differ only in what they may assign and in their messages, which
:class:`Option` declares.

>>> assignments(["服务态度=4.8", "主图视频=是"], SET)
{'dsr_service': ('4.8', 4.8), 'has_main_video': ('是', True)}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ranking.errors import ExportError, RankingError, WhatIfError
from ranking.messages import Said
from ranking.reading import schema
from ranking.reading.reasons import reason_said


@dataclass(frozen=True)
class Option:
    """What one ``COLUMN=VALUE`` option may assign and how it words a refusal.

    ``malformed`` and ``unknown`` are keys of :data:`ranking.messages.TEXT`, said
    with ``flag``, ``item`` (the argument as given), ``column`` (its left side
    as written), ``name`` (that side stripped) and ``signals`` (the signal
    columns, listed)."""

    flag: str
    columns: frozenset[str]
    error: type[RankingError]
    malformed: str
    unknown: str
    #: ``=5`` (no column) is a malformed item rather than an unknown column.
    blank_is_malformed: bool


#: ``--set``: a signal for every listing, refused with :class:`ExportError`.
SET = Option(
    flag="--set",
    columns=frozenset(schema.SIGNALS),
    error=ExportError,
    malformed="error.set_malformed",
    unknown="error.set_unknown",
    blank_is_malformed=True,
)
#: ``--what-if``: any signal or the main image, refused with
#: :class:`WhatIfError`.
WHAT_IF = Option(
    flag="--what-if",
    columns=frozenset({*schema.SIGNALS, "main_image"}),
    error=WhatIfError,
    malformed="error.what_if_malformed",
    unknown="error.what_if_unknown",
    blank_is_malformed=False,
)


def assignments(items: Sequence[str], option: Option) -> dict[str, tuple[str, object]]:
    """``COLUMN=VALUE`` arguments of ``option`` as ``{canonical: (value as
    written, value read)}``, a later item of a column replacing an earlier
    one; the first bad item raises ``option.error`` with a one-line message.

    >>> assignments(["refund_rate=3.5%"], WHAT_IF)
    {'refund_rate': ('3.5%', 0.035)}
    >>> assignments(["monthly_sales"], WHAT_IF)
    Traceback (most recent call last):
    ...
    ranking.errors.WhatIfError: --what-if monthly_sales: expected COLUMN=VALUE
    """
    parsed: dict[str, tuple[str, object]] = {}
    for item in items:
        column, sep, written = item.partition("=")
        words = {
            "flag": option.flag,
            "item": item,
            "column": column,
            "name": column.strip(),
            "signals": ", ".join(schema.SIGNALS),
        }
        if not sep or (option.blank_is_malformed and not column.strip()):
            raise option.error(Said(option.malformed, **words))
        name = schema.EXPORT_ALIASES.get(schema.header_key(column))
        if name not in option.columns:
            raise option.error(Said(option.unknown, **words))
        try:
            value = schema.read_cell(name, written)
        except ValueError as error:
            raise option.error(
                Said("error.assign_value", flag=option.flag, item=item, why=_why(error))
            ) from None
        parsed[name] = (written.strip(), value)
    return parsed


def _why(error: ValueError) -> str:
    """What :func:`schema.read_cell` said: a :class:`Said`, or a reject
    reason read back into its keys (:func:`ranking.reading.reasons.reason_said`)."""
    said = error.args[0] if len(error.args) == 1 else None
    return said if isinstance(said, Said) else reason_said(str(error))
