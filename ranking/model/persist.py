"""The model directory: the fitted model stored as data, its card, checksums.

A model is plain data: ``model.json`` (features, constraints, the 0-100
scale) and ``model.npz`` (each feature's knots and learned terms, and the
training data's profile), read with ``allow_pickle=False`` — loading runs no
code, and a scikit-learn or numpy upgrade does not invalidate it. Every file
is listed with its SHA-256 in ``SHA256SUMS``; :func:`load_model` refuses a
directory whose files do not match, or whose ``format`` this version cannot
read, with a message that says what to do. (Checksums guard against damaged
or swapped files; they are not a signature.) ``features.json`` is the
declared feature table (:func:`ranking.model.features.feature_table`) for
readers outside Python, such as a browser's what-if; like ``card.txt`` it is a
view, not read back, so a directory without it (made before it was written)
still loads.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ranking import __version__, defaults
from ranking.errors import ModelFileError, OutputError
from ranking.messages import Said
from ranking.model.card import card_text
from ranking.model.checks import (
    CARD_JSON,
    CARD_TEXT,
    CHECKED,
    CHECKSUMS,
    FEATURES_JSON,
    MAX_JSON_BYTES,
    MAX_NPZ_BYTES,
    MODEL_ARRAYS,
    MODEL_FORMAT,
    MODEL_JSON,
    BadModelFile,
    check_card,
    check_json,
    check_model,
    load_npz,
    read_bounded,
)
from ranking.model.features import feature_table
from ranking.model.weight import WeightModel
from ranking.writing import atomic

RETRAIN = Said("error.retrain")
#: What to do when the model shipped inside the package cannot be used: the
#: person did not make it, so "retrain" alone would not tell them how.
SHIPPED = Said("error.shipped")
#: Card entries that differ between two trainings of the same model: when it
#: was written and with which libraries. Everything else is reproducible.
UNREPRODUCIBLE = ("created", "versions")


def _damaged(path: Path, error: BadModelFile, folder: Path | None = None) -> Said:
    """A model file that fails its checks: what :mod:`checks` found (said
    as it is: the file's own keys), and what to do."""
    folder = path if folder is None else folder
    return Said(
        "error.model_damaged", path=path, error=str(error), remedy=_remedy(folder)
    )


def _remedy(folder: Path, otherwise: str = RETRAIN) -> str:
    """How to get a usable model in place of ``folder``."""
    # Read at call time, not import time, so a test can point it elsewhere.
    if folder.resolve() == defaults.DEFAULT_MODEL:
        return SHIPPED
    return otherwise


def versions() -> dict[str, str]:
    """The library versions a model was made with (recorded, not enforced)."""
    import pandas as pd
    import scipy
    import sklearn

    return {
        "ranking": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
    }


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(
    model: WeightModel,
    folder: str | Path,
    card: dict,
    arrays: dict[str, np.ndarray] | None = None,
    words: Callable[[str], str] = str,
) -> Path:
    """Write ``model`` (and any extra ``arrays``, such as the training data's
    profile) with its card into ``folder``; the directory is replaced whole
    (written beside it, then renamed), never left half-written. ``card.txt``
    is the card for people, each line through ``words`` (the CLI's: the line
    in ``--lang``; English by default)."""
    folder = Path(folder)
    check_model_output(folder)
    parent = folder.parent if str(folder.parent) else Path(".")
    staging = atomic.temporary_beside(folder, folder=True)
    try:
        _write_model(model, folder, card, arrays, parent, staging, words)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(
            Said("error.not_written", path=folder, why=error.strerror or str(error))
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def check_model_output(folder: Path) -> None:
    """Raise :class:`OutputError` unless a model can be written to
    ``folder``: replaceable (:func:`_check_replaceable`), its parents made,
    and a folder made beside it (read-only, a file in the way). Called before
    a fit too, so that a refusal does not come after minutes of work."""
    folder = Path(folder)
    _check_replaceable(folder)
    parent = folder.parent if str(folder.parent) else Path(".")
    atomic.make_folder(parent, for_path=folder)
    atomic.temporary_beside(folder, folder=True).rmdir()


def _write_model(model, folder, card, arrays, parent, staging, words) -> None:
    """The model's files into ``staging``, then ``staging`` renamed to
    ``folder``."""
    meta, model_arrays = model.to_data()
    meta = {"format": MODEL_FORMAT, **meta}
    _write_json(staging / MODEL_JSON, meta)
    extra = {f"extra/{k}": v for k, v in (arrays or {}).items()}
    with open(staging / MODEL_ARRAYS, "wb") as handle:
        np.savez_compressed(handle, **model_arrays, **extra)
    card = {
        **card,
        "format": MODEL_FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": versions(),
    }
    _write_json(staging / CARD_JSON, card)
    (staging / CARD_TEXT).write_text(card_text(card, words), encoding="utf-8")
    _write_json(staging / FEATURES_JSON, feature_table())
    sums = "".join(f"{sha256(staging / name)}  {name}\n" for name in CHECKED)
    (staging / CHECKSUMS).write_text(sums, encoding="utf-8")
    os.chmod(staging, 0o755)
    if folder.exists():
        # Swap by rename, so the old model stays whole until the new one
        # is in place; then drop the old one.
        retired = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=parent))
        os.replace(folder, retired / "model")
        os.replace(staging, folder)
        shutil.rmtree(retired)
    else:
        os.replace(staging, folder)


def _write_json(path: Path, payload: dict) -> None:
    path.write_text(
        json.dumps(
            _undefined_as_null(payload), ensure_ascii=False, indent=2, default=_plain
        )
        + "\n",
        encoding="utf-8",
    )


def _undefined_as_null(value):
    """NaN (a metric with nothing to measure, as ordering by monthly sales on
    search pages that show none) written as JSON's null: ``NaN`` is not
    JSON, and a loader refuses non-finite numbers."""
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _undefined_as_null(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_undefined_as_null(v) for v in value]
    return value


def _plain(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return str(value)


MODEL_FILES = {*CHECKED, CARD_TEXT, FEATURES_JSON, CHECKSUMS}


def model_inputs(folder: str | Path | None) -> list[Path]:
    """The files of a model directory a command reads: inputs too, which no
    output may replace (``score -o model/model.json``)."""
    if folder is None:
        return []
    return [Path(folder) / name for name in sorted(MODEL_FILES)]


def _check_replaceable(folder: Path) -> None:
    """Replacing a directory deletes what it held: only an empty directory or
    an earlier model directory may be replaced, never a folder of other files."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(Said("error.model_is_file", path=folder))
    if folder.is_dir():
        held = {child.name for child in folder.iterdir()}
        earlier = {"model.joblib", CARD_JSON, CARD_TEXT, CHECKSUMS}
        if held and (CARD_JSON not in held or not held <= MODEL_FILES | earlier):
            raise OutputError(Said("error.model_folder_used", path=folder))


def read_card(folder: str | Path) -> dict:
    """The model card, checked; raises :class:`ModelFileError` with what to do."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelFileError(
            Said("error.no_model", path=folder, remedy=_remedy(folder))
        )
    card_path = folder / CARD_JSON
    if not card_path.exists():
        # Another folder without a card is not a model at all; the shipped
        # one without its card is a damaged install.
        shipped = _remedy(folder, otherwise="")
        if shipped:
            raise ModelFileError(
                Said(
                    "error.no_card_shipped", path=folder, card=CARD_JSON, remedy=shipped
                )
            )
        raise ModelFileError(Said("error.no_card", path=folder, card=CARD_JSON))
    try:
        card = json.loads(read_bounded(card_path, MAX_JSON_BYTES).decode("utf-8"))
    except BadModelFile as error:
        raise ModelFileError(_damaged(folder, error)) from None
    except (ValueError, UnicodeDecodeError):
        raise ModelFileError(
            Said("error.not_json", path=card_path, remedy=_remedy(folder))
        ) from None
    if not isinstance(card, dict) or card.get("format") != MODEL_FORMAT:
        made = card.get("format") if isinstance(card, dict) else None
        raise ModelFileError(
            Said(
                "error.model_format",
                path=folder,
                made=made,
                reads=MODEL_FORMAT,
                remedy=_remedy(folder),
            )
        )
    return card


def verify_checksums(folder: Path) -> str:
    """Check every file against ``SHA256SUMS``; return that file's own digest
    (what identifies this model, e.g. for caches)."""
    sums_path = folder / CHECKSUMS
    if not sums_path.exists():
        raise ModelFileError(
            Said(
                "error.model_file_missing",
                path=folder,
                name=CHECKSUMS,
                remedy=_remedy(folder),
            )
        )
    try:
        sums = read_bounded(sums_path, MAX_JSON_BYTES)
        recorded = {}
        for line in sums.decode("utf-8", errors="replace").splitlines():
            digest, _, name = line.partition("  ")
            recorded[name.strip()] = digest.strip()
        limits = {MODEL_ARRAYS: MAX_NPZ_BYTES}
        found = {
            name: hashlib.sha256(
                read_bounded(folder / name, limits.get(name, MAX_JSON_BYTES))
            ).hexdigest()
            for name in CHECKED
            if (folder / name).exists()
        }
    except BadModelFile as error:
        raise ModelFileError(_damaged(folder, error)) from None
    for name in CHECKED:
        path = folder / name
        if name not in found:
            raise ModelFileError(
                Said(
                    "error.model_file_missing",
                    path=folder,
                    name=name,
                    remedy=_remedy(folder),
                )
            )
        if recorded.get(name) != found[name]:
            raise ModelFileError(
                Said(
                    "error.checksum",
                    path=path,
                    sums=CHECKSUMS,
                    remedy=_remedy(folder, otherwise=Said("error.restore")),
                )
            )
    return hashlib.sha256(sums).hexdigest()


def load_model(folder: str | Path) -> tuple[WeightModel, dict]:
    """Load a model directory after checking its format and checksums.

    Raises :class:`ModelFileError` if the card is missing or of another
    format, or if any file does not match ``SHA256SUMS``. Nothing is
    unpickled: the arrays are read with ``allow_pickle=False``.
    """
    folder = Path(folder)
    card = read_card(folder)
    digest = verify_checksums(folder)
    try:
        check_card(card)
    except BadModelFile as error:
        raise ModelFileError(_damaged(folder / CARD_JSON, error, folder)) from None
    try:
        meta = json.loads(read_bounded(folder / MODEL_JSON, MAX_JSON_BYTES))
        arrays = load_npz(read_bounded(folder / MODEL_ARRAYS, MAX_NPZ_BYTES))
        check_model(meta, arrays)
        if meta.get("trust") is not None:  # the audit shows it
            check_json(meta["trust"], "trust", "trust")
        model = WeightModel.from_data(meta, arrays)
    except BadModelFile as error:
        raise ModelFileError(_damaged(folder, error)) from None
    except Exception as error:  # noqa: BLE001 - whatever a damaged file raises
        # zipfile, numpy's header parser and json raise many types on a
        # damaged file (BadZipFile, EOFError, struct.error, ...): all one line.
        raise ModelFileError(
            Said(
                "error.model_unreadable",
                path=folder,
                kind=type(error).__name__,
                error=str(error),
                remedy=_remedy(folder),
            )
        ) from None
    model.digest = digest
    model.training_profile = {
        name[len("extra/") :]: value
        for name, value in arrays.items()
        if name.startswith("extra/")
    }
    return model, card


def is_usable(folder: str | Path) -> bool:
    """True if ``folder`` holds a model this installation can load."""
    try:
        load_model(folder)
    except ModelFileError:
        return False
    return True


def model_differences(
    first: str | Path, second: str | Path, rtol: float = 1e-6, atol: float = 1e-9
) -> list[str]:
    """What differs between two model directories, ignoring what cannot be
    reproduced (:data:`UNREPRODUCIBLE`: the card's date and versions), so two
    trainings on the same data compare equal although their bytes do not.
    ``features.json`` is compared when either directory has it.

    Generic on purpose: every array of ``model.npz``, every value of
    ``model.json`` and of the card, whatever the format holds. Floats agree
    within ``rtol``/``atol`` (the same machine gives equal bits; another CPU's
    BLAS may move the last ones). Returns ``[]`` when the models are the same.
    """
    first, second = Path(first), Path(second)
    found: list[str] = []
    for name in (MODEL_JSON, CARD_JSON):
        texts = [
            (folder / name).read_text(encoding="utf-8") for folder in (first, second)
        ]
        a, b = (json.loads(text) for text in texts)
        if name == CARD_JSON:
            a, b = (
                {k: v for k, v in d.items() if k not in UNREPRODUCIBLE} for d in (a, b)
            )
        found += _json_differences(a, b, name, rtol, atol)
    # The feature table too: a model whose arrays are the same but whose
    # declared table changed (a transform renamed) is another model to ship.
    tables = [folder / FEATURES_JSON for folder in (first, second)]
    if any(table.exists() for table in tables):
        missing = [str(t.parent) for t in tables if not t.exists()]
        if missing:
            found.append(f"{FEATURES_JSON}: missing in {missing[0]}")
        else:
            a, b = (json.loads(t.read_text(encoding="utf-8")) for t in tables)
            found += _json_differences(a, b, FEATURES_JSON, rtol, atol)
    with (
        np.load(first / MODEL_ARRAYS, allow_pickle=False) as x,
        np.load(second / MODEL_ARRAYS, allow_pickle=False) as y,
    ):
        found += [
            f"{MODEL_ARRAYS}: {k} only in {first}" for k in x.files if k not in y.files
        ]
        found += [
            f"{MODEL_ARRAYS}: {k} only in {second}" for k in y.files if k not in x.files
        ]
        for key in (k for k in x.files if k in y.files):
            a, b = x[key], y[key]
            if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
                found.append(f"{MODEL_ARRAYS}: {key} {a.shape} vs {b.shape}")
            elif a.dtype.kind in "fc":
                if not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
                    worst = float(np.nanmax(np.abs(a - b)))
                    found.append(f"{MODEL_ARRAYS}: {key} differs by up to {worst:.3g}")
            elif not np.array_equal(a, b):
                found.append(f"{MODEL_ARRAYS}: {key} differs")
    return found


def _json_differences(a, b, where: str, rtol: float, atol: float) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        found = [f"{where}.{k}: only in one" for k in sorted(a.keys() ^ b.keys())]
        for key in (k for k in a if k in b):
            found += _json_differences(a[key], b[key], f"{where}.{key}", rtol, atol)
        return found
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        found = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found += _json_differences(x, y, f"{where}[{i}]", rtol, atol)
        return found
    numbers = (int, float)
    if (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        same = bool(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
        return [] if same else [f"{where}: {a!r} vs {b!r}"]
    return [] if a == b else [f"{where}: {a!r} vs {b!r}"]
