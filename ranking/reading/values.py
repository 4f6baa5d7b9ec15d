"""Read cell values the way real back-office exports write them.

Every parser takes a whole column (a :class:`pandas.Series` of whatever the
reader produced: text, numbers, booleans or dates) and returns the parsed
column together with a boolean mask of the cells it could not read. A cell
that is empty or written as a placeholder (``-``, ``--``, ``N/A``) is missing,
never an error. Parsing is vectorised: plain numbers go through
``pandas.to_numeric`` and only the cells it cannot read go through the
regular expression for ``1.2万``, ``¥12.5``, ``3.5%`` or ``1881人付款``.

>>> import pandas as pd
>>> values, bad = parse_numbers(pd.Series(["1,234", "3.5%", "1.2万", "-", "abc"]))
>>> values.tolist()[:3], bad.tolist()
([1234.0, 0.035, 12000.0], [False, False, False, False, True])
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import (
    is_bool_dtype,
    is_datetime64_any_dtype,
    is_numeric_dtype,
)

MISSING_TOKENS = frozenset(
    {"", "-", "--", "---", "—", "——", "n/a", "na", "nan", "null", "none", "#n/a", "/"}
)

# Powers of ten, applied to the written digits (1.2万 → "1.2e4"), so that the
# result is the same float as the number written out in full.
EXPONENTS = {"万": 4, "w": 4, "亿": 8, "千": 3, "k": 3, "m": 6}

# After NFKC normalisation (￥ → ¥) and lower-casing. Currency marks as
# exports write them: "$12.50", "£1,003.68" and "US$" (Amazon), "JP¥5,000"
# (Amazon JP in the Chinese UI), "₹ 1,200" (Amazon India), "5.255,61 €"
# (Amazon DE, after the number), "HK$". Units are the ones Chinese pages
# write after a count ("1881人付款", "3.2万+人收货", "120件"), and Amazon's
# search-result badge "1K+ bought in past month" (docs/sources/serp-headers.md).
_CURRENCY = r"(?:[¥$€£₹]|us\$|hk\$|jp¥|rmb|cny|usd|eur)"
_NUMBER = re.compile(
    r"""^(?P<sign1>[-+])?\s*
    (?:"""
    + _CURRENCY
    + r""")?\s*
    (?P<sign2>[-+])?\s*
    (?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)\s*
    (?P<mult>万|亿|千|w|k|m)?\s*
    \+?\s*
    (?P<pct>%)?\s*
    (?:人付款|人已付款|人收货|人评价|人|件|笔|个|次|条|元|单|pcs|units?|
    bought\s+in\s+past\s+month|"""
    + _CURRENCY
    + r""")?
    \+?$""",
    re.VERBOSE,
)
# A number written with a decimal comma ("368,14", "16,40%", "12,5 %", or
# "5.255,61" with dots between thousands), and one whose decimal point is
# unmistakable ("1,234.5", "3.5", "0.25"): which of the two a column holds
# decides how its ambiguous cells ("1,234", "1.999") are read.
#: The first cells of a column, looked at first for a decimal point.
SAMPLE_CELLS = 4096
_DECIMAL_COMMA = r"(?:^|[^\d.,])(?:\d{1,3}(?:\.\d{3})+,\d+|\d+,\d{1,2})(?:$|[^\d.,])"
_DECIMAL_POINT = (
    r"(?:^|[^\d.,])(?:\d{1,3}(?:,\d{3})+\.\d+|\d+\.\d{1,2}|\d+\.\d{4,})(?:$|[^\d.,])"
)

TRUE_WORDS = frozenset({"1", "1.0", "yes", "y", "true", "t", "是", "有", "√", "✓"})
FALSE_WORDS = frozenset({"0", "0.0", "no", "n", "false", "f", "否", "无", "没有", "×"})

# Censored ranks: a tracker saw the keyword but not the listing in its top N.
_CENSORED_WITH_BOUND = re.compile(
    r"^(?:>\s*(?P<a>\d+)|(?P<b>\d+)\s*\+|(?P<c>\d+)名(?:以)?外)$"
)
_CENSORED_WORDS = frozenset(
    {"未上榜", "无排名", "未入榜", "not ranked", "unranked", "not found", "none found"}
)


def normalise_text(series: pd.Series) -> pd.Series:
    """Cells as stripped, lower-cased, NFKC-normalised text (full-width → ASCII).

    Missing cells come back as ``<NA>``; placeholders are left for the caller.
    """
    cells = pa.array(series.astype("string").array, type=pa.large_string())
    # Arrow's NFKC runs in C; pandas' .str.normalize calls Python per cell.
    text = pc.utf8_lower(pc.utf8_trim_whitespace(pc.utf8_normalize(cells, "NFKC")))
    return pd.Series(
        pd.arrays.ArrowStringArray(text.cast(pa.large_string())),
        index=series.index,
        dtype="string",
    )


def missing_mask(text: pd.Series) -> pd.Series:
    """True where a normalised cell means "no value"."""
    return text.isna() | text.isin(MISSING_TOKENS)


class DecimalMarks(NamedTuple):
    """How a text column writes numbers (see :func:`decimal_marks`)."""

    comma: bool  # some cell has a decimal comma: 368,14 · 5.255,61 €
    point: bool  # some cell has an unmistakable decimal point: 1,234.5 · 3.5
    thousands: bool  # neither, but commas between thousands: 1,234


def decimal_marks(series: pd.Series) -> DecimalMarks:
    """How a text column writes its numbers. Once a decimal point is found
    the comma is not looked for: such a column reads decimal points."""
    if is_numeric_dtype(series) or is_bool_dtype(series):
        return DecimalMarks(False, False, False)
    cells = pa.array(series.astype("string").array, type=pa.large_string())

    def some(pattern: str, within=cells) -> bool:
        return bool(pc.any(pc.match_substring_regex(within, pattern)).as_py())

    # A column whose first cells show a decimal point is decided (the survey
    # never reads such a column the German way); most other columns hold
    # plain integers: two scans for a mark, no regex.
    if some(_DECIMAL_POINT, cells[:SAMPLE_CELLS]):
        return DecimalMarks(False, True, False)
    commas = bool(pc.any(pc.match_substring(cells, ",")).as_py())
    points = bool(pc.any(pc.match_substring(cells, ".")).as_py())
    if not (commas or points):
        return DecimalMarks(False, False, False)
    comma, point = commas and some(_DECIMAL_COMMA), some(_DECIMAL_POINT)
    return DecimalMarks(comma, point, commas and not comma and not point)


def parse_numbers(
    series: pd.Series, decimal_comma: bool | None = None
) -> tuple[pd.Series, pd.Series]:
    """Parse a column of numbers as exports write them.

    Returns ``(values, bad)``: float values (NaN where missing or unreadable)
    and a mask of the cells that were present but could not be read.

    ``decimal_comma``: the column writes ``5.255,61`` for 5255.61 (German
    exports). None decides from the column's own cells: a decimal comma
    somewhere and an unmistakable decimal point nowhere.

    >>> parse_numbers(pd.Series(["5.255,61 €", "1.999", "16,40%"]))[0].tolist()
    [5255.61, 1999.0, 0.164]
    """
    if is_bool_dtype(series):
        return series.astype("float64"), pd.Series(False, index=series.index)
    if is_numeric_dtype(series):
        values = pd.to_numeric(series, errors="coerce").astype("float64")
        bad = ~np.isfinite(values) & values.notna()
        return values.where(~bad), bad
    if decimal_comma is None:
        marks = decimal_marks(series)
        decimal_comma = marks.comma and not marks.point
    if decimal_comma:
        text = series.astype("string")
        series = text.str.replace(".", "", regex=False).str.replace(
            ",", ".", regex=False
        )
    values = pd.Series(_plain_numbers(series), index=series.index)
    missing = pd.Series(False, index=series.index)
    todo = values.isna()
    if todo.any():
        # Only what Arrow could not read as a plain number is normalised (NFKC,
        # lower case) and matched against the written forms (1.2万, ¥12.5, ...).
        text = normalise_text(series[todo])
        blank = missing_mask(text)
        missing[todo] = blank
        again = pd.to_numeric(text.where(~blank).astype("object"), errors="coerce")
        written = again.isna() & ~blank
        if written.any():
            again[written] = _parse_written_numbers(text[written])
        values[todo] = again.astype("float64")
    bad = ~missing & (values.isna() | ~np.isfinite(values))
    return values.where(~bad), bad


#: A cell that is a plain decimal number, as most cells of a real export are.
_PLAIN_NUMBER = r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$"


def _plain_numbers(series: pd.Series) -> np.ndarray:
    """Cells that are plain numbers, read at C speed by Arrow; NaN elsewhere.

    ``pandas.to_numeric`` on text goes through Python objects (7.7 s of 15.8 s
    validating a million rows); Arrow's regex match and cast stay in C.
    """
    cells = pa.array(series.astype("string").array, type=pa.large_string())
    plain = pc.fill_null(pc.match_substring_regex(cells, _PLAIN_NUMBER), False)
    kept = pc.utf8_trim_whitespace(pc.if_else(plain, cells, None))
    numbers = pc.cast(kept, pa.float64())
    return numbers.to_numpy(zero_copy_only=False).astype("float64", copy=False)


def _parse_written_numbers(text: pd.Series) -> pd.Series:
    parts = text.str.extract(_NUMBER)
    exponent = parts["mult"].map(EXPONENTS).astype("float64").fillna(0)
    exponent = exponent - np.where(parts["pct"].notna(), 2, 0)
    negative = parts["sign1"].eq("-").fillna(False) ^ parts["sign2"].eq("-").fillna(
        False
    )
    digits = parts["num"].str.replace(",", "", regex=False)
    written = (
        pd.Series(np.where(negative, "-", ""), index=text.index)
        + digits
        + "e"
        + exponent.astype(int).astype(str)
    )
    return pd.to_numeric(written.astype("object"), errors="coerce").astype("float64")


def parse_booleans(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse yes/no cells (``1/0``, ``yes/no``, ``true/false``, ``Y/N``,
    ``是/否``, ``有/无``) into a nullable boolean column."""
    if is_bool_dtype(series):
        return series.astype("boolean"), pd.Series(False, index=series.index)
    text = normalise_text(series)
    missing = missing_mask(text)
    is_true = text.isin(TRUE_WORDS).fillna(False)
    is_false = text.isin(FALSE_WORDS).fillna(False)
    result = pd.Series(pd.NA, index=series.index, dtype="boolean")
    result[is_true] = True
    result[is_false] = False
    bad = ~missing & ~is_true & ~is_false
    return result, bad


def parse_dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dates such as ``2024-03-05``, ``2024/3/5``, ``2024年3月5日`` or
    ``2024-03-05 10:00:00`` into day-precision timestamps."""
    if is_datetime64_any_dtype(series):
        values = pd.to_datetime(series).dt.tz_localize(None).dt.normalize()
        return values, pd.Series(False, index=series.index)
    text = normalise_text(series)
    missing = missing_mask(text)
    cleaned = (
        text.where(~missing)
        .str.replace(r"[年月/.]", "-", regex=True)
        .str.replace("日", "", regex=False)
        .str.strip()
    )
    # A zone name after the time, as Amazon's Active Listings Report writes
    # "14/05/2024 09:48:59 BST": the day is what counts. Matched first, so a
    # column without one costs one Arrow scan, not a Python replace per cell.
    spaced = cleaned.str.contains(" ", regex=False).fillna(False)
    zoned = spaced.copy()
    if spaced.any():
        zoned[spaced] = cleaned[spaced].str.contains(r"\d\s+[a-z]{2,5}$", regex=True)
    if zoned.any():
        cleaned = cleaned.copy()
        cleaned[zoned] = cleaned[zoned].str.replace(r"\s+[a-z]{2,5}$", "", regex=True)
    # A UTC offset after an ISO time ("2024-05-14t09:48:59+01:00", "...z"):
    # the local day is what counts, so the offset is dropped, not applied.
    offset = cleaned.str.contains(
        r":\d{2}(?:\.\d+)?(?:[+-]\d{2}:?\d{2}|z)$", regex=True
    ).fillna(False)
    if offset.any():
        cleaned = cleaned.copy()
        cleaned[offset] = cleaned[offset].str.replace(
            r"(:\d{2}(?:\.\d+)?)(?:[+-]\d{2}:?\d{2}|z)$", r"\1", regex=True
        )
    # Day, month, year ("14-05-2024"): month first, as pandas reads it,
    # unless a first field above 12 (and no second one) shows the column is
    # day first, as the UK's Active Listings Report writes it.
    dmy = cleaned.str.match(r"^\d{1,2}-\d{1,2}-\d{4}").fillna(False)
    if dmy.any():
        fields = cleaned[dmy].str.extract(r"^(\d{1,2})-(\d{1,2})-").astype(int)
        day_first = fields[0].gt(12).any() and not fields[1].gt(12).any()
        order = "%d-%m-%Y" if day_first else "%m-%d-%Y"
        day = cleaned[dmy].str.extract(r"^(\d{1,2}-\d{1,2}-\d{4})")[0]
        cleaned = cleaned.copy()
        cleaned[dmy] = pd.to_datetime(day, format=order, errors="coerce").dt.strftime(
            "%Y-%m-%d"
        )
    values = pd.to_datetime(cleaned, format="ISO8601", errors="coerce")
    retry = values.isna() & cleaned.notna()
    if retry.any():
        values.loc[retry] = pd.to_datetime(
            cleaned[retry], format="mixed", errors="coerce"
        )
    values = values.dt.normalize()
    bad = ~missing & values.isna()
    return values, bad


def parse_period_ends(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The last day of each row's window: ``2024-05-01至2024-05-30``,
    ``2024-05-01~2024-05-30``, ``2024-05-01 - 2024-05-30``, ``20240501-20240530``
    give 2024-05-30; a month ``2026-03`` its last day; a single date itself.

    >>> cells = pd.Series(["2024-05-01至2024-05-30", "2024-06-18"])
    >>> ends, bad = parse_period_ends(cells)
    >>> [str(d.date()) for d in ends]
    ['2024-05-30', '2024-06-18']
    """
    text = normalise_text(series)
    between = r"\s*(?:至|到|~|～|—|–)\s*|\s+-\s+|(?<=\d{8})-(?=\d{8})"
    last = text.str.replace(
        r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})-(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})$",
        r"\1至\2",
        regex=True,
    )
    last = last.str.split(between, regex=True).str[-1]
    compact = last.str.fullmatch(r"\d{8}").fillna(False)
    if compact.any():
        last = last.copy()
        last[compact] = last[compact].str.replace(
            r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True
        )
    ends, bad = parse_dates(last)
    month = last.str.fullmatch(r"\d{4}[-/.]\d{1,2}").fillna(False)
    if month.any():
        ends[month] = ends[month] + pd.offsets.MonthEnd(0)
    return ends, bad


def parse_ranks(series: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Parse search positions, including censored ones.

    Returns ``(ranks, bad)`` where ``ranks`` has ``search_rank`` (float, NaN
    when censored), ``censored`` (bool) and ``censored_below`` (the N of
    ``>N``/``N+``, NaN when the cell gave none, as ``未上榜`` does).
    """
    text = normalise_text(series)
    missing = missing_mask(text)
    rank, _ = parse_numbers(text.where(~missing))
    bound_parts = text.str.extract(_CENSORED_WITH_BOUND)
    # The first group that matched, column by column: a row-wise bfill of
    # Arrow strings runs row by row in pandas (20 s for 266,544 rows).
    bound_text = bound_parts.iloc[:, 0]
    for _, other in bound_parts.iloc[:, 1:].items():
        bound_text = bound_text.fillna(other)
    bound = pd.to_numeric(bound_text.astype("object"), errors="coerce").astype(
        "float64"
    )
    censored = (bound.notna() | text.isin(_CENSORED_WORDS)).fillna(False)
    rank = rank.where(~censored)
    valid_rank = rank.notna() & (rank >= 1) & (rank == np.floor(rank))
    bad = missing | ~(valid_rank | censored)
    frame = pd.DataFrame(
        {
            "search_rank": rank.where(valid_rank),
            "censored": censored.astype(bool),
            "censored_below": bound,
        },
        index=series.index,
    )
    return frame, bad


# Best Sellers Rank as Amazon's detail page writes it and scrapers copy it:
# "#1,234 in Home & Kitchen (See Top 100 in Home & Kitchen) #5 in Moving
# Boxes", "#13 in Radio Antennas", the number alone ("1,234", once the "#" and
# " in ..." are cut off), German "Nr. 2.841 in Drogerie". The first rank is
# taken: the top-level category's, which every listing of that category has
# (the sub-category ranks after it are each in a different, narrower list).
_BEST_SELLERS_RANK = re.compile(
    r"^(?:#|nr\.|no\.)?\s*(?P<rank>\d{1,3}(?:[,.\s]\d{3})+|\d+)(?:\s+in\b.*)?$",
    re.DOTALL,
)


def parse_sales_ranks(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse Best Sellers Rank cells; returns ``(values, bad)`` like
    :func:`parse_numbers`. A rank is a whole number, so ``,``, ``.`` and a
    space between digit groups are all thousands separators (``Nr. 2.841``
    is 2841, as a German page writes it).

    >>> parse_sales_ranks(pd.Series(
    ...     ["#1,234 in Home & Kitchen (See Top 100 in Home & Kitchen) #5 in Boxes",
    ...      "Nr. 2.841 in Drogerie", "1,234", "#13 in Radio Antennas", "", "abc"]
    ... ))[0].tolist()
    [1234.0, 2841.0, 1234.0, 13.0, nan, nan]
    """
    if is_numeric_dtype(series) and not is_bool_dtype(series):
        values = pd.to_numeric(series, errors="coerce").astype("float64")
    else:
        text = normalise_text(series)
        blank = missing_mask(text)
        digits = text.where(~blank).str.extract(_BEST_SELLERS_RANK)["rank"]
        digits = digits.str.replace(r"[,.\s]", "", regex=True)
        values = pd.to_numeric(digits.astype("object"), errors="coerce")
        values = values.astype("float64").where(~blank).rename(series.name)
        bad = ~blank & values.isna()
        return values.where(~bad), bad
    bad = values.notna() & ~np.isfinite(values)
    return values.where(~bad), bad


def id_text(series: pd.Series) -> pd.Series:
    """Listing ids as text: ``44280017876.0`` read from a spreadsheet becomes
    ``44280017876``; surrounding spaces go; empty cells become ``<NA>``."""
    if is_numeric_dtype(series) and not is_bool_dtype(series):
        values = pd.to_numeric(series, errors="coerce")
        integral = values.notna() & (values == np.floor(values))
        text = values.astype("string")
        text[integral] = values[integral].astype("int64").astype("string")
        return text
    text = series.astype("string").str.strip()
    text = text.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
    text = _spelled_out(text)
    return text.mask(text.eq(""))


#: An id as a spreadsheet writes a big number in scientific notation:
#: ``6.71E+11``, ``6.65936548379E+11``. One digit, the rest of the mantissa,
#: the exponent.
_SCIENTIFIC_ID = r"^([1-9])(?:\.(\d+))?[eE]\+?(\d{1,2})$"
_LOOKS_SCIENTIFIC = r"^[1-9](?:\.\d+)?[eE]\+?\d{1,2}$"


def _scientific_parts(text: pd.Series) -> pd.DataFrame:
    parts = text.str.extract(_SCIENTIFIC_ID)
    parts.columns = ["lead", "rest", "exponent"]
    parts["rest"] = parts["rest"].fillna("")
    return parts


def _spelled_out(text: pd.Series) -> pd.Series:
    """``6.65936548379E+11`` → ``665936548379``: a mantissa with every digit
    its exponent needs spells one integer, the id Excel displayed this way
    (a short one, ``6.71E+11``, lost digits: see :func:`digits_lost`)."""
    if not text.str.contains(_LOOKS_SCIENTIFIC, regex=True).fillna(False).any():
        return text
    parts = _scientific_parts(text)
    exponent = pd.to_numeric(parts["exponent"], errors="coerce")
    rest = parts["rest"].str.rstrip("0")
    whole = parts["lead"].notna() & (rest.str.len() <= exponent)
    digits = parts["lead"] + rest
    padding = (exponent - rest.str.len()).where(whole, 0).fillna(0).astype(int)
    spelled = digits + pd.Series(
        ["0" * n for n in padding], index=text.index, dtype="string"
    )
    full = whole & (parts["rest"].str.len() >= exponent)
    return spelled.where(full, text)


def digits_lost(ids: pd.Series) -> pd.Series:
    """True where an id is a number in scientific notation whose mantissa is
    shorter than its exponent: ``6.71E+11`` stands for any of a billion ids,
    Excel's display of a 12-digit 商品ID saved as text. ``6.65936548379E+11``
    keeps every digit and is not lost.

    >>> digits_lost(pd.Series(["6.71E+11", "6.65936548379E+11", "B07X"])).tolist()
    [True, False, False]
    """
    text = ids.astype("string").str.strip()
    parts = _scientific_parts(text)
    exponent = pd.to_numeric(parts["exponent"], errors="coerce")
    lost = parts["lead"].notna() & (parts["rest"].str.len() < exponent)
    return lost.fillna(False).astype(bool)


# ------------------------------------------------------------------ hashing

_MULTIPLY = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio
_MIX_1, _MIX_2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: a bijection that spreads every input
    bit over the output."""
    h = h ^ (h >> np.uint64(33))
    h = h * _MIX_1
    h = h ^ (h >> np.uint64(33))
    h = h * _MIX_2
    return h ^ (h >> np.uint64(33))


def hash_text(values: pd.Series, seed: int = 0) -> np.ndarray:
    """A 64-bit hash of each string (missing hashes as ""), the same for the
    same text in any chunk, row order or run.

    Read straight from the Arrow buffers, eight bytes at a step: pandas'
    ``hash_array`` turns each value into a Python string first, which cost 2 s
    per million listing ids.

    >>> a = hash_text(pd.Series(["600123456789", "B07XJ8C8F5", None, ""]))
    >>> bool(a[0] != a[1]), bool(a[2] == a[3])
    (True, True)
    """
    arrow = pa.array(pd.Series(values, dtype="string").array)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    arrow = pc.fill_null(arrow.cast(pa.large_string()), "")
    n = len(arrow)
    offsets = np.frombuffer(arrow.buffers()[1], np.int64)[arrow.offset :][: n + 1]
    data_buffer = arrow.buffers()[2]
    data = (
        np.frombuffer(data_buffer, np.uint8)
        if data_buffer is not None and data_buffer.size
        else np.zeros(1, np.uint8)
    )
    starts, lengths = offsets[:-1], np.diff(offsets)
    # The length goes in first, so zero padding cannot make two texts equal.
    salt = np.uint64((seed * int(_MULTIPLY)) % 2**64)
    h = _fmix64(lengths.astype(np.uint64) + salt)
    lanes = np.arange(8)
    step = 0
    alive = np.flatnonzero(lengths > 0)
    while len(alive):
        at = starts[alive, None] + step + lanes
        inside = (step + lanes) < lengths[alive, None]
        chunk = np.where(inside, data[np.minimum(at, len(data) - 1)], 0)
        word = np.ascontiguousarray(chunk.astype(np.uint8)).view("<u8").ravel()
        h[alive] = _fmix64(h[alive] ^ (word * _MULTIPLY))
        step += 8
        alive = alive[lengths[alive] > step]
    return h
