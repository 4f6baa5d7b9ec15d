"""Reject reasons as :class:`~ranking.messages.Said`: a key and its fields, so
that a view for people (the rejects file, ``check``'s text) words them in
``--lang`` while JSON keeps them English.

Reasons are built column-wise as English text, and only for the rows that
need one (:mod:`ranking.reading.kinds`); :func:`reason_said` reads such a
text back into its keys, one per part (``row N: A; B``), each part's
template a ``reject.*`` key of the translation table. A part no template
reads stays as it is.

>>> said = reason_said("row 7: dsr_service is 48.7, expected 1-5 (is it ×10?)")
>>> said.key, said == "row 7: dsr_service is 48.7, expected 1-5 (is it ×10?)"
('reject.row', True)
>>> said.fields["reason"].key
'reject.one_to_five_x10'
"""

from __future__ import annotations

import re
import string
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from ranking.messages import ENGLISH, TEXT, Said, named

if TYPE_CHECKING:  # pandas only for a signature: `ranking --help` loads this
    import pandas as pd

#: The column of a rejected row that says why (written by
#: :mod:`ranking.reading.export`).
REJECT_REASON = "reject_reason"
#: The reasons of one part of a row, with the fields that are always the
#: same (what they say holds Chinese, which an English template may not).
PARTS: dict[str, dict[str, str]] = {
    "reject.empty": {},
    "reject.digits_lost": {},
    "reject.repeats": {},
    "reject.repeats_of": {},
    "reject.pair_repeats": {},
    "reject.negative_count": {},
    "reject.negative_amount": {},
    "reject.huge_count": {},
    "reject.huge_amount": {},
    "reject.one_to_five": {},
    "reject.one_to_five_x10": {},
    "reject.one_to_five_x100": {},
    "reject.zero_to_one": {},
    "reject.rank": {},
    "reject.after_period": {},
    "reject.after_today": {},
    "reject.above": {},
    "reject.not_number": {"example": "1.2万"},
    "reject.not_bool": {"forms": "1/0, 是/否, 有/无"},
    "reject.not_date": {},
    "reject.not_bsr": {},
    "reject.not_position": {"unranked": "未上榜"},
}
#: Why a row is not a listing (``not a listing: ...``).
ASIDE = ("reject.total_row", "reject.subtable_row", "reject.sku_row")
#: What a field may hold, where less than any text: a column's canonical
#: name, a number, a day (a cell or an id may hold anything).
FIELD_FORMS = {
    "name": r"[A-Za-z_][A-Za-z0-9_]*",
    "whole": r"[A-Za-z_][A-Za-z0-9_]*",
    "row": r"\d+",
    "first": r"\d+",
    "value": r"[^;]+?",
    "total": r"[^;]+?",
    "date": r"[0-9-]+",
    "end": r"[0-9-]+",
}
#: Fields that name a column: said as the export's header in Chinese.
COLUMN_FIELDS = frozenset({"name", "whole"})


@cache
def _pattern(key: str) -> re.Pattern:
    """``key``'s English template as a regular expression, a group a field
    (the constant ones written out)."""
    constants = PARTS.get(key, {})
    out, seen = [], set()
    for literal, field, _, _ in string.Formatter().parse(TEXT[key][0]):
        out.append(re.escape(literal))
        if field is None:
            continue
        if field in constants:
            out.append(re.escape(constants[field]))
        elif field in seen:
            out.append(f"(?P={field})")
        else:
            out.append(f"(?P<{field}>{FIELD_FORMS.get(field, '.+?')})")
            seen.add(field)
    return re.compile("".join(out), re.DOTALL)


def _most_specific_first(keys) -> list[str]:
    """Templates with more fixed words are tried first (``, expected 1-5
    (is it ×10?)`` before ``, expected 1-5``)."""
    fixed = {k: len(re.sub(r"\{[^}]*\}", "", TEXT[k][0])) for k in keys}
    return sorted(keys, key=lambda k: -fixed[k])


def written(key: str, /, **fields) -> pd.Series | str:
    """``key``'s English template (a ``reject.*`` key) filled column-wise:
    a field is a Series (a value per rejected row, as text) or one value for
    all of them; the fixed fields of :data:`PARTS` are filled in. Reasons
    are written only here, from the table, so :func:`reason_said` reads
    back exactly what was written.

    >>> import pandas as pd
    >>> written("reject.one_to_five", name="avg_rating", value=pd.Series(["9"]))[0]
    'avg_rating is 9, expected 1-5'
    """
    fields = {**PARTS.get(key, {}), **fields}
    text: pd.Series | str = ""
    for literal, name, spec, _ in string.Formatter().parse(TEXT[key][ENGLISH]):
        text = text + literal if literal else text
        if name is None:
            continue
        value = fields[name]
        if hasattr(value, "astype"):  # a column: a value per rejected row
            text = text + value.astype("string")
        else:
            text = text + format(value, spec)
    return text


def _said(key: str, text: str) -> Said | None:
    match = _pattern(key).fullmatch(text)
    if match is None:
        return None
    fields = dict(match.groupdict())
    for field in COLUMN_FIELDS & fields.keys():
        fields[field] = named("signal", fields[field])
    said = Said(key, **PARTS.get(key, {}), **fields)
    return said if said == text else None


def _part(text: str) -> Said | None:
    """One reason part read by the first template that reads it."""
    for key in _most_specific_first(PARTS):
        if (said := _said(key, text)) is not None:
            return said
    return None


def _parts(text: str) -> Said | None:
    """``A; B; ...``: a part alone, or one part and the rest (a part may
    itself hold ``"; "``)."""
    if (said := _part(text)) is not None:
        return said
    for at in (m.start() for m in re.finditer("; ", text)):
        first, then = _part(text[:at]), None
        if first is not None and (then := _parts(text[at + 2 :])) is not None:
            return Said("reject.and", first=first, then=then)
    return None


def _aside(text: str) -> Said | None:
    """``not a listing: WHY``."""
    why = text.removeprefix("not a listing: ")
    said = next((Said(k) for k in ASIDE if TEXT[k][0] == why), None)
    return None if said is None or why == text else Said("reject.not_listing", why=said)


@lru_cache(maxsize=4096)
def reason_said(text: str) -> str:
    """A reject reason (or a ``read_cell`` refusal) as a :class:`Said`, or
    as it is when no template reads it."""
    head, sep, rest = text.partition(": ")
    if sep and head.startswith("row ") and head[4:].isdigit():
        body = _aside(rest) or _parts(rest)
        return text if body is None else Said("reject.row", row=head[4:], reason=body)
    if sep and rest.startswith("row "):
        # A reason of one file of several: "FILE: row N: ...".
        inner = reason_said(rest)
        if isinstance(inner, Said):
            return Said("reject.of_file", file=head, reason=inner)
        return text
    return _parts(text) or text
