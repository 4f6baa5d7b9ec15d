"""What one run works on, resolved once: the export's files, the model, and
the catalog prepared against it.

Every command takes a :class:`Workspace` (``audit``, ``diff``, ``report``,
``score``, ``evaluate``): the export named on the command line is turned into
files once, the model directory is read and checked once, and the prepared
catalog — from the audit cache or prepared here — is built on first use and
then shared, so ``report --old`` prepares each export once.

>>> workspace = Workspace.open("catalog.csv", "models/m")     # doctest: +SKIP
>>> workspace.prepared.lookup(["600123456789"])                # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from ranking.defaults import DEFAULT_MODEL
from ranking.model import cache
from ranking.model.persist import load_model, model_inputs
from ranking.model.pipeline import PreparedCatalog, prepare
from ranking.model.weight import WeightModel
from ranking.reading.catalog import catalog_image_root, open_catalog
from ranking.reading.export import ExportSource
from ranking.reading.paths import export_files, export_paths


@dataclass(eq=False)
class Workspace:
    """An export (one file, a folder, a glob, or several files joined) and a
    model, resolved once for a run.

    ``cached``: the prepared catalog comes from the audit cache (and is
    stored there): what ``audit`` wants, where one export is asked about
    again and again. Otherwise it is prepared once per run, in ``chunk_rows``
    chunks, reporting to ``progress``.
    """

    paths: list[Path]
    files: list[Path]
    model: WeightModel
    card: dict
    model_dir: Path
    sets: tuple[str, ...] = ()
    images_root: Path | None = None
    strict: bool = False
    chunk_rows: int | None = None
    progress: Callable[[str], None] | None = field(default=None, repr=False)
    cached: bool = False

    @classmethod
    def open(
        cls,
        export,
        model_dir: str | Path | None = None,
        *,
        sets: Sequence[str] = (),
        images_root: str | Path | None = None,
        strict: bool = False,
        chunk_rows: int | None = None,
        progress: Callable[[str], None] | None = None,
        cached: bool = False,
    ) -> Workspace:
        """The export's files found and the model loaded (its checksums
        checked): any error here names the file before any work starts."""
        model_dir = Path(model_dir) if model_dir is not None else DEFAULT_MODEL
        paths, files = _resolved(export)
        model, card = load_model(model_dir)
        return cls(
            paths,
            files,
            model,
            card,
            model_dir,
            tuple(sets),
            None if images_root is None else Path(images_root),
            strict,
            chunk_rows,
            progress,
            cached,
        )

    @classmethod
    def of(cls, export, model_dir: str | Path | None = None, **options) -> Workspace:
        """``export`` itself when it already is a workspace; else one opened
        on it (the library's convenience: ``audit("catalog.csv", ID, "m/")``)."""
        if isinstance(export, Workspace):
            return export
        return cls.open(export, model_dir, **options)

    def with_model(self, model_dir: str | Path) -> Workspace:
        """The same export against another model (``diff --old-model``)."""
        model, card = load_model(model_dir)
        return replace(self, model=model, card=card, model_dir=Path(model_dir))

    def on(self, export) -> Workspace:
        """Another export against this workspace's model, with its options
        (``diff``'s new export; ``report --old``)."""
        paths, files = _resolved(export)
        return replace(self, paths=paths, files=files)

    @property
    def inputs(self) -> list[Path]:
        """Every file this run reads, which no output may replace."""
        return [*self.files, *model_inputs(self.model_dir)]

    @property
    def name(self) -> str:
        """The export as a person named it, for messages."""
        return " + ".join(map(str, self.paths))

    @property
    def image_root(self):
        """Where the export's ``main_image`` paths start and may be read, as
        :meth:`source` has it, without reading the export."""
        first = self.paths[0]
        return catalog_image_root(first, export_files(first), self.images_root)

    def source(self) -> ExportSource:
        """The export opened as one catalog (joined when several files)."""
        options = {} if self.chunk_rows is None else {"chunk_rows": self.chunk_rows}
        return open_catalog(
            self.paths,
            strict=self.strict,
            sets=self.sets,
            images_root=self.images_root,
            **options,
        )

    @cached_property
    def prepared(self) -> PreparedCatalog:
        """The catalog prepared against the model, built once."""
        if self.cached:
            return cache.prepared(self.paths, self.model, self.sets, self.images_root)
        return prepare(self.source(), self.model, progress=self.progress)

    def prepared_on(
        self, reference: Workspace, keep: int = cache.KEEP
    ) -> PreparedCatalog:
        """This export weighed on ``reference``'s yardsticks and title model
        (its prepared profile) instead of its own: what ``history`` takes, so
        that weights stay on one scale over the whole span and a season every
        listing shares shows as a shared move. From the audit cache when
        cached (keyed by both exports), which then keeps at least ``keep``
        entries."""
        profile = reference.prepared.profile
        if not self.cached:
            return prepare(self.source(), self.model, profile=profile)
        name = cache.entry_name(
            reference.paths, self.model, self.sets, self.images_root
        )
        return cache.prepared(
            self.paths,
            self.model,
            self.sets,
            self.images_root,
            against=(name, profile),
            keep=keep,
        )


def _resolved(export) -> tuple[list[Path], list[Path]]:
    """An export as named (its paths) and the files they stand for."""
    paths = export_paths(export)
    return paths, [file for path in paths for file in export_files(path)]
