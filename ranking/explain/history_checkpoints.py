"""A history's state kept in the audit cache between runs, keyed by every
export's bytes in order, so a re-run with one more export resumes from it
and takes one step: each step's rows a Parquet file, the
:class:`~ranking.explain.history_state.State` beside them, the oldest
beyond :data:`CHECKPOINTS` dropped."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from ranking.explain.diff import MIN_DROP
from ranking.explain.history_leaks import ALPHA, CLIP, MIN_STEPS, WINDOW
from ranking.explain.history_state import State
from ranking.model import cache
from ranking.model.pipeline import Scored
from ranking.model.workspace import Workspace

#: Version of the kept state's files (a change makes old states unread).
STATE_FORMAT = 4  # 2: each step's rows a file of its own; 3: longest window
# 4: a flag's reason kept as messages.as_data (nested Said fields)
#: History checkpoints kept (each a run's state after its last export).
CHECKPOINTS = 4


def chain(first: Workspace, steps: list[Workspace]) -> list[str] | None:
    """Each export's cache entry name, in order (None when not cached, or
    the model was made in memory)."""
    if not first.cached:
        return None
    names = [
        cache.entry_name(w.paths, w.model, w.sets, w.images_root)
        for w in (first, *steps)
    ]
    return None if any(n is None for n in names) else names


def _key(names: list[str]) -> str:
    # The test's settings too: a state kept under others is not resumed.
    settings = [STATE_FORMAT, WINDOW, MIN_STEPS, CLIP, ALPHA, MIN_DROP]
    text = "|".join(["history", *map(str, settings), *names])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _folder(key: str) -> Path:
    return cache.cache_root() / "history" / key


def open_staging(names: list[str] | None) -> Path | None:
    """A fresh folder the run's state is built in (None when not kept)."""
    if names is None:
        return None
    root = cache.cache_root() / "history"
    try:
        root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".state.", dir=root))
    except OSError:  # a cache that cannot be written costs time, not the run
        return None


def resume(names: list[str] | None, exports: list[Workspace]):
    """The state kept after the longest run of these exports' first ones
    (at least two), or None: ``(state, prev, steps done, its rows)``.
    ``exports``: the run's, the first and then each later one."""
    if names is None:
        return None
    for count in range(len(names), 1, -1):
        folder = _folder(_key(names[:count]))
        if not (folder / "done").exists():
            continue
        try:
            cache.verify_entry(folder)
            state, prev = State.load(folder, exports[0], exports[count - 1])
            os.utime(folder / "done")
            steps = [folder / step_file(k) for k in range(count - 1)]
            if not all(step.is_file() for step in steps):
                raise cache.DamagedEntry(f"{folder.name}: a step's rows are missing")
            return state, prev, count - 1, steps
        except Exception:  # noqa: BLE001 - a damaged state is only a copy
            shutil.rmtree(folder, ignore_errors=True)
    return None


def step_file(k: int) -> str:
    """The name of step ``k``'s rows in a kept state."""
    return f"rows-{k:05d}.parquet"


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or no hard links
        shutil.copyfile(source, target)


def _batches(path: Path):
    """A kept step's rows, batch by batch (memory stays flat)."""
    for batch in pq.ParquetFile(path).iter_batches(batch_size=100_000):
        yield batch.to_pandas()


def replay(stored: list[Path], staging: Path | None):
    """The rows of the steps a resumed state had taken, batch by batch,
    each step's file carried into ``staging``."""
    for k, path in enumerate(stored):
        # Each step's rows are a file of their own: linked into the new
        # state, not written again.
        if staging is not None:
            _link(path, staging / step_file(k))
        yield from _batches(path)


def checkpoint(staging: Path, names: list[str], state: State, prev: Scored) -> None:
    """Keep the run's state (beside each step's rows, already in
    ``staging``) under the key of its exports; the oldest beyond
    :data:`CHECKPOINTS` go."""
    try:
        state.save(staging, prev)
        cache.seal_entry(staging)
        folder = _folder(_key(names))
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
        kept = [p for p in folder.parent.iterdir() if (p / "done").exists()]
        kept.sort(key=lambda p: (p / "done").stat().st_mtime, reverse=True)
        for stale in kept[CHECKPOINTS:]:
            shutil.rmtree(stale, ignore_errors=True)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
