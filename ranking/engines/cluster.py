"""The Dask engine (``--engine dask``): one export scored on a cluster, row for
row as the local engine scores it, or its features built there for training.

The local path (:mod:`ranking.model.pipeline`), spread over a Dask cluster with one
partition per file of the export (a folder or glob of CSV/parquet files; a
single file is one partition):

1. each partition is surveyed and validated on a worker and summed into a
   :class:`~ranking.model.profile.ProfilePart`; the parts are added up in a tree on
   the cluster and finished once (the title model fitted there): the catalog
   profile, fitted once;
2. each partition is scored against the profile and the model into a
   :class:`~ranking.model.pipeline.ScoresPart`; the client adds them up into the
   catalog scores (percentiles need every listing's raw score: 16 bytes a
   listing travel);
3. each partition writes its output rows (:func:`ranking.engines.outputs.scored_frame`)
   with the profile, model and catalog scores sent once to every worker: a
   part file of a dataset folder, or rows sent back to the client for one
   output file.

``train --engine dask`` takes pass 1 as it is, then each worker builds its
partition's features (:func:`ranking.model.pipeline.feature_table`) and sends
them back with the rows' data; the model is fitted on the client, which
holds them all as the local engine does (:func:`features_on_cluster`).

A listing id repeated in a later file is found on the client from each
partition's id hashes (8 bytes an id) and rejected there, as the local engine
does. The model is read here and sent to the workers as data; the workers
need the same version of ``ranking`` and the export's files (and a dataset
output's folder) at the same paths. Dask is imported only by this module, and
only when ``--engine dask`` is asked for.
"""

from __future__ import annotations

import copy
import operator
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ranking import __version__
from ranking.engines.outputs import blocked_rows, output_writer, scored_pieces
from ranking.errors import EngineError, ExportError
from ranking.messages import Said
from ranking.model import pipeline
from ranking.reading import io, schema
from ranking.reading.catalog import file_names, name_reasons, same_columns_error
from ranking.reading.export import MEMORY_ROWS, ExportSource, image_root_of
from ranking.reading.paths import (
    check_present,
    export_files,
    export_paths,
    images_start,
)
from ranking.writing import writers

INSTALL = "pip install 'ranking[dask]'"
#: Seconds to wait for a scheduler given by address, and for its first worker.
CONNECT_TIMEOUT = 10.0
#: Rows each worker may hold between passes, as one machine holds an export
#: of up to MEMORY_ROWS: an export of at most this many per worker keeps its
#: validated and scored rows in the workers' memory (read and scored once);
#: a larger one is read again in each pass, so memory stays flat.
HELD_ROWS = MEMORY_ROWS
#: Tries at sending the model and the catalog scores to every worker: a
#: worker lost during the broadcast (CommClosedError) costs one try, not the
#: run; the last try sends to one worker and lets Dask copy from there.
SEND_TRIES = 3


def _distributed():
    try:
        import distributed
    except ImportError:
        raise EngineError(Said("error.no_dask", install=INSTALL)) from None
    return distributed


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _cluster_faults(distributed) -> tuple[type[BaseException], ...]:
    """What a cluster fault raises on the client: a connection closed or
    timed out (CommClosedError is an OSError), a worker killed while it held
    a task (KilledWorker, after the scheduler's retries), futures cancelled
    when the scheduler goes. Errors raised by our code on a worker arrive as
    themselves (ExportError, ...) and are not among these."""
    return (OSError, TimeoutError, CancelledError, distributed.KilledWorker)


@contextmanager
def cluster_faults(work: str) -> Iterator:
    """Turn a cluster fault during ``work`` (e.g. "scoring") into one
    :class:`EngineError` line: the run cannot go on, running it again can."""
    distributed = _distributed()
    try:
        yield
    except _cluster_faults(distributed) as error:
        raise EngineError(
            Said(
                "error.cluster_failed",
                work=work,
                kind=type(error).__name__,
                error=_first_line(error),
            )
        ) from None


def send_to_workers(client, value, what: str):
    """``value`` scattered to every worker (a future), tried
    :data:`SEND_TRIES` times: a worker lost mid-broadcast closes its
    connection (CommClosedError), and the scheduler has dropped it by the
    next try, which sends to the workers still alive; the last try sends to
    one worker only (Dask copies it where tasks need it). Then
    :class:`EngineError`, one line naming ``what`` was being sent."""
    faults = _cluster_faults(_distributed())
    for attempt in range(1, SEND_TRIES + 1):
        try:
            return client.scatter(value, broadcast=attempt < SEND_TRIES)
        except faults as error:
            failed = error
    raise EngineError(
        Said(
            "error.cluster_lost",
            what=what,
            tries=SEND_TRIES,
            kind=type(failed).__name__,
            error=_first_line(failed),
        )
    )


@contextmanager
def cluster_client(scheduler: str | None = None) -> Iterator:
    """A Dask client: connected to the scheduler at ``scheduler``, or to a
    ``LocalCluster`` sized to this machine (a single-threaded worker process
    per core, the memory shared between them), closed afterwards."""
    distributed = _distributed()
    if scheduler is None:
        with (
            distributed.LocalCluster(
                n_workers=os.cpu_count() or 1,
                threads_per_worker=1,
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError, TypeError) as error:
        raise EngineError(
            Said("error.no_scheduler", scheduler=scheduler, error=_first_line(error))
        ) from None
    with client:
        check_workers(client, scheduler)
        yield client


def check_workers(client, scheduler: str) -> None:
    """Refuse a cluster without workers, or whose workers run another
    version of ``ranking`` (or none)."""

    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (TimeoutError, OSError):
        raise EngineError(
            Said("error.no_worker", scheduler=scheduler, seconds=CONNECT_TIMEOUT)
        ) from None
    # A function of the standard library: it runs on a worker without ranking.
    versions = client.run(version, "ranking", on_error="return")
    for worker, found in sorted(versions.items()):
        if isinstance(found, BaseException):
            raise EngineError(
                Said("error.worker_bare", worker=worker, version=__version__)
            )
        if found != __version__:
            raise EngineError(
                Said(
                    "error.worker_version",
                    worker=worker,
                    found=found,
                    version=__version__,
                )
            )


# ------------------------------------------------------- on the workers


def _survey(
    path: Path,
    strict: bool,
    chunk_rows: int,
    image_root,
    hold: bool,
    earlier: schema.SeenIds | None = None,
) -> tuple:
    """Pass 1 on a partition: the surveyed source (its validated rows kept
    when ``hold``), its profile part, and the ids it saw (hashes, rows).
    ``earlier``: ids of earlier partitions that this one repeats."""
    source = ExportSource(path, strict=strict, chunk_rows=chunk_rows)
    source.image_root = image_root
    source.earlier = earlier
    seen = schema.SeenIds() if earlier is None else earlier.copy()
    part = pipeline.profile_part(source.chunks(seen=seen))
    hashes, rows = seen.arrays()
    if not hold:
        source.release()
    return source, part, hashes, rows


def _light(surveyed: tuple) -> tuple:
    """What the client needs of pass 1: the source without its rows, and
    the ids."""
    source, _, hashes, rows = surveyed
    return copy.copy(source).release(), hashes, rows


def _categories(profile) -> pd.Index:
    return pd.Index(profile.sizes.index)


def _finish(whole, path: str, seed: int):
    return pipeline.finish_profile(whole, path, seed)


def _scores_part(source: ExportSource, profile, model) -> tuple:
    """Pass 2 on a partition: its share of the catalog scores, and its
    scored rows when the partition is held (pass 3 then scores nothing
    again)."""
    kept = [] if source.in_memory else None
    part = pipeline.scores_part(
        source.chunks(), profile, model, source.image_root, kept
    )
    return part, kept


def _features(source: ExportSource, profile) -> tuple:
    """A partition's data, features and rejected rows (for training)."""
    return pipeline.feature_table(source.chunks(), profile, source.image_root)


def _write(source, name, part, profile, model, scores, by, effort, kept) -> tuple:
    """Pass 3 on a partition: its output rows, written to ``part`` (a file in
    the dataset's staging folder) or returned; its rejects and rows blocked."""
    prepared = pipeline.Prepared(source, profile, model, scores, kept)
    frames, rejects, blocked, rows = [], [], 0, 0
    writer = writers.TableWriter(part).__enter__() if part is not None else None
    try:
        # One thread: the cluster's workers are the parallelism.
        for frame, rejected in scored_pieces(prepared, by, effort, threads=1):
            blocked += blocked_rows(frame)
            rows += len(frame)
            rejects.append(name_reasons(rejected, name) if name else rejected)
            if writer is not None:
                writer.write(frame)
            else:
                frames.append(frame)
    except BaseException as error:
        if writer is not None:
            writer.__exit__(type(error), error, error.__traceback__)
        raise
    if writer is not None:
        writer.__exit__(None, None, None)
    table = pd.concat(frames) if frames else None
    return rows, table, pd.concat(rejects, ignore_index=True), blocked


# ------------------------------------------------------- on the client


def earlier_ids(
    seen: Sequence[tuple[np.ndarray, np.ndarray]], names: Sequence[str] = ()
) -> dict:
    """For each partition that repeats ids of earlier partitions: those ids,
    each with the row and file (of ``names``, the partitions' file names) it
    first appeared in (a :class:`~ranking.reading.schema.SeenIds`), from every
    partition's ``(hashes, rows)`` in file order.

    >>> h = np.array([1, 2], np.uint64), np.array([2, 3], np.uint64)
    >>> found = earlier_ids([(h[0], np.array([5, 6])), (h[1], np.array([7, 8]))])
    >>> {k: [a.tolist() for a in v.arrays()] for k, v in found.items()}
    {1: [[2], [6]]}
    """
    if not seen:
        return {}
    hashes = np.concatenate([h for h, _ in seen])
    rows = np.concatenate([r for _, r in seen])
    parts = np.repeat(np.arange(len(seen)), [len(h) for h, _ in seen])
    order = np.lexsort((parts, hashes))
    hashes, rows, parts = hashes[order], rows[order], parts[order]
    repeat = np.r_[False, hashes[1:] == hashes[:-1]]
    if not repeat.any():
        return {}
    # Each partition's hashes are unique: a run of one hash is one id over
    # several partitions, the earliest first.
    first = np.maximum.accumulate(np.where(repeat, 0, np.arange(len(hashes))))
    found = {}
    for k in np.unique(parts[repeat]):
        at = repeat & (parts == k)
        found[int(k)] = schema.SeenIds.of(
            hashes[at], rows[first[at]], parts[first[at]], names
        )
    return found


def estimated_rows(files: Sequence[Path]) -> int:
    """Rows of the export's files: a parquet file's from its footer, a text
    file's from its size and its first lines' length (spreadsheets too, as
    if text: an estimate for choosing to hold rows in memory, not a count)."""
    total = 0
    for file in files:
        try:
            total += pq.ParquetFile(file).metadata.num_rows
            continue
        except Exception:  # not parquet: estimated as text
            pass
        with file.open("rb") as handle:
            head = handle.read(io.SNIFF_BYTES)
        total += int(file.stat().st_size / (len(head) / max(1, head.count(b"\n"))))
    return total


def _tree_sum(client, futures: list) -> object:
    """The parts added up on the cluster, neighbours first (file order kept)."""
    while len(futures) > 1:
        pairs = [
            client.submit(operator.add, a, b, pure=False)
            for a, b in zip(futures[::2], futures[1::2], strict=False)
        ]
        futures = pairs + futures[len(pairs) * 2 :]
    return futures[0]


@dataclass
class _Export:
    """One export's files as the workers read them."""

    path: Path  # as given
    files: list[Path]  # absolute: workers may run in other folders
    names: list  # how rejects name each file; [None] for a single file
    root: object  # where main_image paths start and are read (image_root_of)


def _one_export(
    export_path, sets: Sequence[str], images_root: Path | None = None
) -> _Export:
    paths = export_paths(export_path)
    if len(paths) != 1 or sets:
        raise EngineError(Said("error.dask_one_export"))
    files = export_files(paths[0])
    check_present(files)
    # Rejects name their file when the export is several (as PartedSource's).
    several = files != [paths[0]]
    names = file_names(files) if several else [None]
    # Where the local engine's source starts them (a symlinked export's
    # images sit beside the link, not its target), made absolute.
    root = images_start(paths[0], files).resolve()
    files = [f.resolve() for f in files]
    # Absolute, as the files: workers may run in other folders.
    widened = None if images_root is None else Path(images_root).resolve()
    return _Export(paths[0], files, names, image_root_of(root, widened))


@dataclass
class _Profiled:
    """An export surveyed and profiled on the cluster: each partition's
    source (without rows, on the client), the futures of the sources holding
    their validated rows (None when streamed), and the profile's future."""

    sources: list[ExportSource]
    held: list | None
    profile: object


def _profile_on_cluster(
    client, export: _Export, strict: bool, chunk_rows: int, hold: bool, seed: int
) -> _Profiled:
    """Pass 1: every partition surveyed, validated and summed into a profile
    part on a worker; the parts added up in a tree and finished once there."""
    files, root = export.files, export.root
    surveyed = [
        client.submit(_survey, f, strict, chunk_rows, root, hold, pure=False)
        for f in files
    ]
    found = client.gather([client.submit(_light, f) for f in surveyed])
    sources = [source for source, _, _ in found]
    for source in sources[1:]:
        if source.layout.columns != sources[0].layout.columns:
            raise ExportError(same_columns_error(files[0], source))
    get = operator.itemgetter
    parts = [client.submit(get(1), f) for f in surveyed]
    held = [client.submit(get(0), f) for f in surveyed] if hold else None
    seen = [(h, r) for _, h, r in found]
    for k, earlier in earlier_ids(seen, export.names).items():
        # Validated again, rejecting the ids earlier files gave.
        again = client.submit(
            _survey, files[k], strict, chunk_rows, root, hold, earlier, pure=False
        )
        sources[k].earlier = earlier
        parts[k] = client.submit(get(1), again)
        if held:
            held[k] = client.submit(get(0), again)
    del surveyed, found
    whole = _tree_sum(client, parts)
    profile = client.submit(_finish, whole, str(export.path), seed, pure=False)
    del parts, whole
    profile.result()  # an export with no row left is refused here
    return _Profiled(sources, held, profile)


def _holds(client, export: _Export) -> bool:
    workers = len(client.scheduler_info()["workers"])
    return estimated_rows(export.files) <= HELD_ROWS * max(workers, 1)


def score_on_cluster(
    export_path,
    model,
    output: Path,
    strict: bool = False,
    by: str = "gain",
    effort: dict[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
    chunk_rows: int | None = None,
    sets: Sequence[str] = (),
    scheduler: str | None = None,
    seed: int = 0,
    view=None,
    images_root: Path | None = None,
) -> tuple[int, pd.DataFrame, int, list]:
    """Score one export on a Dask cluster and write ``output`` (a dataset
    folder written by the workers, or one file written here from the rows
    they send back; an ``.xlsx`` through ``view``). Returns (rows written,
    rejects, rows blocked, drift)."""
    export = _one_export(export_path, sets, images_root)
    dataset = writers.is_dataset(output)
    chunk_rows = chunk_rows or io.CHUNK_ROWS
    # Faults outermost: closing a client whose scheduler is gone fails too.
    with (
        cluster_faults(Said("error.while_scoring")),
        cluster_client(scheduler) as client,
    ):
        profiled = _profile_on_cluster(
            client, export, strict, chunk_rows, _holds(client, export), seed
        )
        if progress:
            progress("profile")
        profile, held, sources = profiled.profile, profiled.held, profiled.sources
        del profiled
        model_f = send_to_workers(client, model, Said("error.the_model"))
        scores, kept = _catalog_scores(client, held or sources, profile, model, model_f)
        if progress:
            progress("scores")
        scores_f = send_to_workers(client, scores, Said("error.the_scores"))
        staging = writers.staging_folder(output) if dataset else None
        try:
            written = _submit_writes(
                client,
                held or sources,
                export.names,
                staging,
                profile,
                model_f,
                scores_f,
                by,
                effort,
                kept,
            )
            del held, kept
            rows, rejects, blocked = _collect(written, output, dataset, progress, view)
            if staging is not None:
                writers.same_schema_parts(staging)
                writers.publish_folder(staging, output)
                staging = None
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
    return rows, rejects, blocked, [s.to_dict() for s in scores.shifts(model)]


def _catalog_scores(client, sources: list, profile, model, model_f) -> tuple:
    """The catalog-wide scores, summed from every part's on the workers, and
    per part the future of what it keeps for writing its rows."""
    get = operator.itemgetter
    scored = [
        client.submit(_scores_part, s, profile, model_f, pure=False) for s in sources
    ]
    kept = [client.submit(get(1), f) for f in scored]
    scored = client.gather([client.submit(get(0), f) for f in scored])
    categories = client.submit(_categories, profile).result()
    # The parts' sums are freed on return, before the catalog's scores are
    # sent back out to the workers.
    total = scored[0]
    for part in scored[1:]:
        total = total + part
    return total.finish(categories, model), kept


def _submit_writes(
    client, sources, names, staging, profile, model_f, scores_f, by, effort, kept
) -> list:
    """One write task per part of the export (its source, its name and what
    its scoring kept), each writing its rows into ``staging`` (a dataset
    folder) or sending them back to be written here."""
    return [
        client.submit(
            _write,
            source,
            name,
            staging / writers.PART.format(k) if staging else None,
            profile,
            model_f,
            scores_f,
            by,
            effort,
            kept[k],
            pure=False,
        )
        for k, (source, name) in enumerate(zip(sources, names, strict=True))
    ]


def features_on_cluster(
    export_path,
    strict: bool = False,
    chunk_rows: int | None = None,
    sets: Sequence[str] = (),
    scheduler: str | None = None,
    seed: int = 0,
    images_root: Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, object, int]:
    """What :func:`ranking.engines.training.prepared_features` gives, built on a Dask
    cluster: ``(data, features, profile, rejects)`` of one export, the
    profile fitted once on the cluster and each partition's features built
    by a worker, gathered here in file order and positionally indexed (the
    model is fitted on this machine, which holds them all)."""
    export = _one_export(export_path, sets, images_root)
    chunk_rows = chunk_rows or io.CHUNK_ROWS
    with (
        cluster_faults(Said("error.while_features")),
        cluster_client(scheduler) as client,
    ):
        hold = _holds(client, export)
        profiled = _profile_on_cluster(client, export, strict, chunk_rows, hold, seed)
        built = [
            client.submit(_features, source, profiled.profile, pure=False)
            for source in (profiled.held or profiled.sources)
        ]
        profile = profiled.profile.result()
        tables = client.gather(built)
    kept = [(d, f) for d, f, _ in tables if len(d)]
    data = pd.concat([d for d, _ in kept], ignore_index=True)
    features = pd.concat([f for _, f in kept], ignore_index=True)
    return data, features, profile, sum(r for _, _, r in tables)


def _collect(written: list, output: Path, dataset: bool, progress, view) -> tuple:
    """Wait for every partition's output in file order (writing the rows
    here when the output is one file); rows, rejects and rows blocked."""
    rows, rejects, blocked = 0, [], 0

    def each():
        nonlocal rows, blocked
        for future in written:
            count, table, rejected, blocked_here = future.result()
            future.release()
            rows += count
            blocked += blocked_here
            rejects.append(rejected)
            if progress:
                progress("chunk")
            yield table

    if dataset:
        for _ in each():
            pass
    else:
        writer, present = output_writer(output, view)
        with writer:
            for table in each():
                writer.write(present(table))
    return rows, pd.concat(rejects, ignore_index=True), blocked
