"""A seller's export, read and validated: the first stage of every command.

>>> export = read_export("data/catalog.csv")          # doctest: +SKIP
>>> export.data["monthly_sales"].median()             # doctest: +SKIP
>>> export.summary()["unknown_signals"]               # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ranking import io, schema
from ranking.errors import ExportError, RejectedRowsError

REJECT_ROW = "reject_row"
REJECT_REASON = "reject_reason"
_SHOWN_REASONS = 20


@dataclass
class Export:
    """One export after reading and validation.

    Attributes
    ----------
    path : the file read.
    data : canonical columns, parsed, for the rows kept; indexed by the row
        number a spreadsheet shows, like ``raw``.
    raw : the kept rows as the file wrote them, under the file's headers.
    rejects : the rejected rows as the file wrote them, plus ``reject_row`` and
        ``reject_reason``.
    columns : canonical name → the file's header for it.
    notes : column-level readings worth telling (a DSR written ×100, ...).
    """

    path: Path
    data: pd.DataFrame
    raw: pd.DataFrame
    rejects: pd.DataFrame
    columns: dict[str, str]
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    header_row: int = 1

    @property
    def unknown_signals(self) -> list[str]:
        """Signals this export does not give for any listing."""
        return schema.absent_signals(self.data)

    @property
    def passthrough(self) -> list[str]:
        """Headers that match no canonical column; outputs keep them as they are."""
        known = set(self.columns.values())
        return [c for c in self.raw.columns if c not in known]

    def summary(self) -> dict:
        """What ``ranking check`` reports, as plain JSON-ready values."""
        return {
            "file": str(self.path),
            "rows": int(len(self.data)),
            "rejects": int(len(self.rejects)),
            "columns": dict(self.columns),
            "unknown_signals": self.unknown_signals,
            "passthrough": self.passthrough,
            "encoding": self.encoding,
            "header_row": self.header_row,
            "notes": list(self.notes),
            "reject_reasons": self.rejects[REJECT_REASON].head(_SHOWN_REASONS).tolist(),
            "categories": category_summary(self.data),
        }


def read_export(path: str | Path, strict: bool = False) -> Export:
    """Read and validate a listing export.

    Parameters
    ----------
    path : a ``.csv``, ``.tsv``, ``.xlsx`` or ``.parquet`` file.
    strict : raise :class:`RejectedRowsError` if any row is rejected, instead
        of setting those rows aside in ``Export.rejects``.

    Raises
    ------
    ExportError : the file cannot be used at all.
    RejectedRowsError : ``strict`` and at least one row was rejected.
    """
    path = Path(path)
    table = io.read_table(
        path, lambda cells: schema.is_header_row(cells, schema.EXPORT_ALIASES)
    )
    raw = table.frame
    columns = schema.match_headers(list(raw.columns), schema.EXPORT_ALIASES, str(path))
    if "listing_id" not in columns:
        names = ", ".join(schema.EXPORT_COLUMNS[0].aliases[:6])
        raise ExportError(
            f"{path}: no listing_id column (looked for listing_id, {names}, ...); "
            f"the header row read was: {', '.join(map(str, raw.columns[:8]))}"
        )
    checked = schema.validate(raw, columns)
    rejects = _rejects(raw, checked)
    if strict and len(rejects):
        raise RejectedRowsError(
            f"{path}: {len(rejects)} row(s) rejected and --strict is set; first: "
            + rejects[REJECT_REASON].iloc[0]
        )
    kept = ~checked.rejected
    return Export(
        path=path,
        data=checked.data[kept],
        raw=raw[kept],
        rejects=rejects,
        columns=columns,
        notes=checked.notes,
        encoding=table.encoding,
        header_row=table.header_row,
    )


@dataclass
class Ranks:
    """Observed search positions: one row per (listing, keyword).

    ``data`` has ``listing_id``, ``keyword``, ``search_rank`` (NaN when
    censored), ``censored`` and ``censored_below``.
    """

    path: Path
    data: pd.DataFrame
    rejects: pd.DataFrame
    columns: dict[str, str]

    @property
    def groups(self) -> int:
        """Keyword groups observed."""
        return int(self.data["keyword"].nunique())


def read_ranks(path: str | Path, strict: bool = False) -> Ranks:
    """Read a ranks file (listing_id, keyword, search_rank); censored positions
    such as ``>100``, ``100+`` or ``未上榜`` are kept as censored, not rejected."""
    path = Path(path)
    table = io.read_table(
        path, lambda cells: schema.is_header_row(cells, schema.RANK_ALIASES)
    )
    raw = table.frame
    columns = schema.match_headers(list(raw.columns), schema.RANK_ALIASES, str(path))
    missing = [c.name for c in schema.RANK_COLUMNS if c.name not in columns]
    if missing:
        raise ExportError(
            f"{path}: no {', '.join(missing)} column; a ranks file needs listing_id, "
            "keyword and search_rank (or 商品ID, 关键词, 排名)"
        )
    checked = schema.validate(raw, columns, schema.RANK_COLUMNS, unique_id=False)
    data = checked.data
    empty_keyword = data["keyword"].isna()
    if empty_keyword.any():
        reason = "row " + pd.Series(data.index, index=data.index).astype(str)
        checked.reasons = checked.reasons.mask(
            empty_keyword & ~checked.rejected, reason + ": keyword is empty"
        )
        checked.rejected = checked.rejected | empty_keyword
    pair = data[["listing_id", "keyword"]].duplicated(keep="first") & ~checked.rejected
    if pair.any():
        reason = "row " + pd.Series(data.index, index=data.index).astype(str)
        checked.reasons = checked.reasons.mask(
            pair, reason + ": listing_id and keyword repeat an earlier row"
        )
        checked.rejected = checked.rejected | pair
    rejects = _rejects(raw, checked)
    if strict and len(rejects):
        raise RejectedRowsError(
            f"{path}: {len(rejects)} row(s) rejected and --strict is set; first: "
            + rejects[REJECT_REASON].iloc[0]
        )
    kept = ~checked.rejected
    return Ranks(path=path, data=data[kept], rejects=rejects, columns=columns)


def _rejects(raw: pd.DataFrame, checked: schema.Validated) -> pd.DataFrame:
    rejected = raw[checked.rejected].copy()
    rejected[REJECT_ROW] = rejected.index
    rejected[REJECT_REASON] = checked.reasons[checked.rejected]
    return rejected.reset_index(drop=True)


def category_summary(data: pd.DataFrame, top: int = 15) -> list[dict]:
    """Per-category counts and medians of the main signals, largest first."""
    if "category" not in data.columns or data.empty:
        return []
    grouped = data.groupby(data["category"].fillna("(none)"), sort=False)
    summary = pd.DataFrame({"listings": grouped.size()})
    for column in ("monthly_sales", "price", "avg_rating", "dsr_service"):
        if column in data.columns:
            summary[f"median_{column}"] = grouped[column].median()
    summary = summary.sort_values("listings", ascending=False).head(top)
    summary = summary.round(2).astype(object).where(summary.notna(), None)
    return [
        {"category": str(name), **row} for name, row in summary.to_dict("index").items()
    ]


def check_export(
    path: str | Path, rejects_path: str | Path | None = None, strict: bool = False
) -> dict:
    """Read and validate an export without scoring it; what ``ranking check``
    reports. Rejected rows are written to ``rejects_path`` when one is given."""
    if rejects_path is not None:
        io.refuse_overwriting(Path(rejects_path), Path(path))
    export = read_export(path, strict=strict)
    if rejects_path is not None:
        io.write_table(export.rejects, Path(rejects_path))
    return export.summary()
