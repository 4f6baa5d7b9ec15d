"""Prepared exports kept between commands, so that a second audit is instant.

An entry holds what :func:`ranking.model.pipeline.prepare` computed for one export
and one model — the catalog profile, the catalog scores and the export's
validated rows — as plain files (JSON, ``.npz`` read without pickles,
Parquet). It is keyed by the SHA-256 of the export's bytes (each file's,
and its name, for a folder or glob of files), the model's
checksum and this package's version, so a changed export or model is never
served from it. Entries live in ``$RANKING_CACHE_DIR``, else
``$XDG_CACHE_HOME/ranking``, else ``~/.cache/ranking``; deleting the folder is
always safe. Only the :data:`KEEP` most recently used entries are kept.

An entry's ``done`` file, written last, records the SHA-256 of each of its
other files: an entry is served only when its files are exactly those, with
those bytes. A damaged entry (a file cut short, missing, edited, or anything
that fails to load) is dropped and prepared again, never served and never a
traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ranking import __version__
from ranking.model.drift import shifts_of
from ranking.model.persist import sha256
from ranking.model.pipeline import CatalogScores, Prepared, PreparedCatalog, prepare
from ranking.model.profile import CatalogProfile
from ranking.model.weight import WeightModel
from ranking.reading.catalog import catalog_image_root, open_catalog
from ranking.reading.paths import (
    check_present,
    export_files,
    export_paths,
    images_start,
)

CACHE_FORMAT = 6  # 2: listing keys from values.hash_text; 3: title fits stored;
# 4: drift counts carry each signal's moments (absent or one value, ranking.model.drift)
# 5: ``done`` records each file's checksum (entries of 4 have none: not read)
# 6: scores.json keeps the drift verdict (shifts_of), judged once
KEEP = 8


def cache_root() -> Path:
    if os.environ.get("RANKING_CACHE_DIR"):
        return Path(os.environ["RANKING_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ranking"


def entry_key(
    files_of: dict[Path, list[Path]],
    model: WeightModel,
    sets: Sequence[str] = (),
    images_root: Path | None = None,
) -> str | None:
    """The entry's name, or None when the model has no checksum (made in
    memory, not loaded from a model directory): the bytes of every export
    (``files_of``: each export's path and its files), in order (of every
    file, with its name, of an export in several files),
    the ``--set`` values, the model, and where its images are read: each
    export's folder (two folders holding the same table beside different
    pictures are two catalogs) and ``--images-root`` (images read there
    change white backgrounds, so the catalog's yardsticks). A picture changed
    in place is not seen: the key holds the exports' bytes, not the images'."""
    if model.digest is None:
        return None

    digests = []
    for path, files in files_of.items():
        for file in files:
            # Which file comes first decides which of a repeated id is kept.
            named = files != [Path(path)]
            digests.append(f"{file.name}:{sha256(file)}" if named else sha256(file))
        digests.append(f"images:{images_start(Path(path), files).resolve()}")
        digests.append("/")
    text = "|".join(
        [str(CACHE_FORMAT), __version__, model.digest, *digests, "--set", *sets]
        + ([] if images_root is None else ["--images-root", str(images_root.resolve())])
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


#: Each row's title fit is stored beside its columns under these names (no
#: canonical column starts with "_"), so an audit need not apply the title
#: model, nor import SciPy, for a listing it looks up.
FIT_COLUMNS = {
    "_title_fit": "title_fit",
    "_best_category": "best_category",
    "_best_prob": "best_prob",
}


class CachedPrepared(PreparedCatalog):
    """A prepared export read back from the cache: rows come from its Parquet
    file instead of the export."""

    def __init__(self, folder: Path, image_root: Path, profile, model, scores):
        super().__init__(profile, model, scores)
        self.folder = folder
        self._image_root = image_root
        self._fits: pd.DataFrame | None = None  # of the rows looked up

    def score(self, data: pd.DataFrame, title_fit=None, image_root=None):
        """As :meth:`Prepared.score`; rows looked up unchanged (same title and
        category) take their stored title fit."""
        if title_fit is None and self._fits is not None and "listing_id" in data:
            stored = self._fits.reindex(data["listing_id"])
            stored.index = data.index
            # A column the export lacked, added by a what-if, is a change.
            same = stored["title_fit_of"].notna().all() and all(
                f"{name}_of" in stored.columns
                and _same(data[name], stored[f"{name}_of"])
                for name in ("title", "category")
                if name in data.columns
            )
            if same:
                title_fit = stored[list(FIT_COLUMNS.values())]
        return super().score(data, title_fit, image_root)

    @property
    def image_root(self) -> Path:
        return self._image_root

    def rows(self) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """Every stored row (canonical columns, positionally indexed) and
        their stored title fits (None for an entry stored without them):
        ``score(*rows())`` scores the whole export without the title model."""
        rows = pq.read_table(self.folder / "rows.parquet").to_pandas()
        rows = rows.drop(columns="row").reset_index(drop=True)
        if not set(FIT_COLUMNS) <= set(rows.columns):
            return rows, None
        fits = rows[list(FIT_COLUMNS)].rename(columns=FIT_COLUMNS)
        fits["best_category"] = fits["best_category"].astype("string")
        return rows.drop(columns=list(FIT_COLUMNS)), fits

    def lookup(self, listing_ids: list[str]) -> pd.DataFrame:
        # Typed, so that no ids (a listing no keyword saw) is an empty set of
        # strings, not a set of nulls Arrow refuses to compare.
        wanted = pa.array(list(listing_ids), pa.string())
        table = pq.read_table(
            self.folder / "rows.parquet", filters=pc.field("listing_id").isin(wanted)
        )
        # Labelled by position, as Prepared.lookup's: the files of a folder
        # export each number their rows from the top, so "row" repeats.
        rows = table.to_pandas().drop(columns="row")
        if set(FIT_COLUMNS) <= set(rows.columns):
            fits = rows[list(FIT_COLUMNS)].rename(columns=FIT_COLUMNS)
            fits["best_category"] = fits["best_category"].astype("string")
            fits["title_fit_of"] = True
            for name in ("title", "category"):
                if name in rows.columns:
                    fits[f"{name}_of"] = rows[name]
            # By listing: what is scored later may be labelled otherwise.
            fits.index = pd.Index(rows["listing_id"])
            rows = rows.drop(columns=list(FIT_COLUMNS))
            fits = fits if self._fits is None else pd.concat([self._fits, fits])
            self._fits = fits[~fits.index.duplicated(keep="last")]
        return rows


def entry_name(
    export_path, model: WeightModel, sets: Sequence[str] = (), images_root=None
) -> str | None:
    """The name of the entry :func:`prepared` keeps for an export (None when
    the model was made in memory): what an export prepared against another
    one's profile is keyed by, beside its own bytes."""
    paths = export_paths(export_path)
    return entry_key(
        {path: export_files(path) for path in paths}, model, sets, images_root
    )


def prepared(
    export_path,
    model: WeightModel,
    sets: Sequence[str] = (),
    images_root: Path | None = None,
    against: tuple[str, CatalogProfile] | None = None,
    keep: int = KEEP,
) -> PreparedCatalog:
    """The prepared export (or exports, joined), from the cache when an entry
    matches their bytes, the ``--set`` values, the model and ``images_root``
    (``--images-root``); prepared and stored otherwise.

    ``against``: another export's entry name and profile (``history``: every
    export weighed on its first one's yardsticks); the export is then scored
    against that profile instead of fitting its own, and kept under a key
    that names it. ``keep``: how many entries the cache keeps at least (a
    history of 30 days needs 30)."""
    paths = export_paths(export_path)
    files_of = {path: export_files(path) for path in paths}
    check_present([file for files in files_of.values() for file in files])
    image_root = catalog_image_root(paths[0], files_of[paths[0]], images_root)
    key = entry_key(files_of, model, sets, images_root)
    profile = None
    if against is not None:
        reference, profile = against
        key = None if key is None or reference is None else _against(key, reference)
    if key is None:
        source = open_catalog(paths, sets=sets, images_root=images_root)
        return prepare(source, model, profile=profile)
    folder = cache_root() / key
    if (folder / "done").exists():
        try:
            _verify(folder)
            loaded = _load(folder, image_root, model)
            os.utime(folder / "done")
            return loaded
        except Exception:  # noqa: BLE001 - whatever a damaged entry raises
            # A cache is only ever a copy: any entry that fails its checksums
            # or to load (a `null` where an array was: TypeError) is dropped
            # and prepared again, never a traceback.
            shutil.rmtree(folder, ignore_errors=True)
    source = open_catalog(paths, sets=sets, images_root=images_root)
    result = prepare(source, model, profile=profile)
    with contextlib.suppress(OSError):  # a cache that cannot be written costs time
        _store(result, folder, keep)
    return result


def _against(key: str, reference: str) -> str:
    """An entry's name when it is scored against another entry's profile."""
    return hashlib.sha256(f"{key}|against|{reference}".encode()).hexdigest()[:32]


def _store(result: Prepared, folder: Path, keep: int = KEEP) -> None:
    root = folder.parent
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".entry.", dir=root))
    try:
        meta, arrays = result.profile.to_arrays()
        (staging / "profile.json").write_text(json.dumps(meta), encoding="utf-8")
        np.savez(staging / "profile.npz", **arrays)
        scores = result.scores
        # Judged once, here, and kept on the scores: the audit that made
        # this entry reads the verdict instead of judging again.
        if scores.judged is None:
            scores.judged = shifts_of(result)
        np.savez(
            staging / "scores.npz",
            categories=np.asarray(scores.categories, dtype=str),
            sorted_raw=scores.sorted_raw,
            starts=scores.starts,
            mean_terms=scores.mean_terms.to_numpy(),
            **{f"drift/{key}": value for key, value in (scores.drift or {}).items()},
        )
        (staging / "scores.json").write_text(
            json.dumps(
                {
                    "features": list(scores.mean_terms.columns),
                    "shifts": scores.judged,
                }
            ),
            encoding="utf-8",
        )
        rows = pd.concat([chunk.data for chunk in result.source.chunks()])
        if result._scored is not None:  # held in memory: the fits are at hand
            fits = pd.concat([scored.title_fit for scored in result._scored])
            # Chunk for chunk in the same order; by position, as a folder
            # export's labels repeat from file to file.
            for stored, name in FIT_COLUMNS.items():
                rows[stored] = fits[name].to_numpy()
        rows = rows.rename_axis("row").reset_index()
        pq.write_table(
            pa.Table.from_pandas(rows, preserve_index=False), staging / "rows.parquet"
        )
        sums = {f.name: _sha256(f) for f in sorted(staging.iterdir())}
        # Last: its presence says the entry is whole, its content what whole is.
        (staging / "done").write_text(json.dumps(sums), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _evict(root, max(keep, KEEP))


def seal_entry(folder: Path) -> None:
    """Write ``folder``'s ``done`` (last): the SHA-256 of each of its files,
    as a cache entry's (for what ``history`` keeps beside the entries)."""
    sums = {f.name: _sha256(f) for f in sorted(folder.iterdir())}
    (folder / "done").write_text(json.dumps(sums), encoding="utf-8")


def verify_entry(folder: Path) -> None:
    """Raise unless ``folder``'s files are exactly those its ``done``
    records, each with its recorded SHA-256."""
    _verify(folder)


class DamagedEntry(Exception):
    """A cache entry whose files are not those its ``done`` records."""


def _sha256(path: Path) -> str:
    # A regular file only: a FIFO put in the cache must not hang an audit.
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise DamagedEntry(f"{path.name}: not a regular file")
    return sha256(path)


def _verify(folder: Path) -> None:
    """Raise :class:`DamagedEntry` unless the entry's files are exactly those
    its ``done`` records, each with its recorded SHA-256."""
    sums = json.loads((folder / "done").read_text(encoding="utf-8"))
    if not isinstance(sums, dict) or not sums:
        raise DamagedEntry("done: no checksums")
    present = {p.name for p in folder.iterdir()} - {"done"}
    if present != set(sums):
        raise DamagedEntry(f"files {sorted(present)} != recorded {sorted(sums)}")
    for name, expected in sums.items():
        if _sha256(folder / name) != expected:
            raise DamagedEntry(f"{name}: checksum differs")


def _load(folder: Path, image_root: Path, model: WeightModel) -> CachedPrepared:
    meta = json.loads((folder / "profile.json").read_text(encoding="utf-8"))
    with np.load(folder / "profile.npz", allow_pickle=False) as stored:
        profile = CatalogProfile.from_arrays(meta, {k: stored[k] for k in stored.files})
    columns = json.loads((folder / "scores.json").read_text(encoding="utf-8"))
    with np.load(folder / "scores.npz", allow_pickle=False) as stored:
        names = pd.Index(stored["categories"].astype(str))
        scores = CatalogScores(
            names,
            stored["sorted_raw"],
            stored["starts"],
            pd.DataFrame(
                stored["mean_terms"], index=names, columns=columns["features"]
            ),
            {
                key[len("drift/") :]: stored[key]
                for key in stored.files
                if key.startswith("drift/")
            },
            judged=columns.get("shifts"),
        )
    return CachedPrepared(folder, image_root, profile, model, scores)


def _evict(root: Path, keep: int = KEEP) -> None:
    """Keep the ``keep`` most recently used entries."""
    entries = [p for p in root.iterdir() if (p / "done").exists()]
    entries.sort(key=lambda p: (p / "done").stat().st_mtime, reverse=True)
    for stale in entries[keep:]:
        shutil.rmtree(stale, ignore_errors=True)


def _same(now: pd.Series, stored: pd.Series) -> bool:
    """True when every value is the stored one (missing matching missing)."""
    now, stored = now.astype("string"), stored.astype("string")
    return bool(((now == stored).fillna(False) | (now.isna() & stored.isna())).all())
