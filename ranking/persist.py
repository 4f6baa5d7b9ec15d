"""The model directory: the fitted model stored as data, its card, checksums.

A model is plain data: ``model.json`` (features, constraints, the 0-100
scale) and ``model.npz`` (each feature's knots and learned terms, and the
training data's profile), read with ``allow_pickle=False`` — loading runs no
code, and a scikit-learn or numpy upgrade does not invalidate it. Every file
is listed with its SHA-256 in ``SHA256SUMS``; :func:`load_model` refuses a
directory whose files do not match, or whose ``format`` this version cannot
read, with a message that says what to do. (Checksums guard against damaged
or swapped files; they are not a signature.)
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ranking import defaults, io
from ranking.defaults import DEFAULT_MODEL  # noqa: F401  (re-exported)
from ranking.errors import ModelFileError, OutputError
from ranking.weight import WeightModel

#: Bumped whenever a saved model could not be read by this code. Format 1 was
#: a joblib pickle (refused: retrain); format 3 added the learned blocker
#: thresholds and the lowest DSR gap in place of the count below average;
#: format 4 replaced step shapes over bins with continuous ones over knots.
MODEL_FORMAT = 4
MODEL_JSON = "model.json"
MODEL_ARRAYS = "model.npz"
CARD_JSON = "card.json"
CARD_TEXT = "card.txt"
CHECKSUMS = "SHA256SUMS"
CHECKED = (MODEL_JSON, MODEL_ARRAYS, CARD_JSON)
RETRAIN = "retrain with `ranking train EXPORT --ranks RANKS -o DIR`"
#: What to do when the model shipped inside the package cannot be used: the
#: person did not make it, so "retrain" alone would not tell them how.
SHIPPED = (
    "the default model ships inside the ranking package: reinstall ranking, or "
    "in a source checkout run `make model`; or train one with `ranking train "
    "EXPORT --ranks RANKS -o DIR` and give `--model DIR`"
)
#: Card entries that differ between two trainings of the same model: when it
#: was written and with which libraries. Everything else is reproducible.
UNREPRODUCIBLE = ("created", "versions")


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

    from ranking import __version__

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
) -> Path:
    """Write ``model`` (and any extra ``arrays``, such as the training data's
    profile) with its card into ``folder``; the directory is replaced whole
    (written beside it, then renamed), never left half-written."""
    folder = Path(folder)
    check_model_output(folder)
    parent = folder.parent if str(folder.parent) else Path(".")
    staging = io.temporary_beside(folder, folder=True)
    try:
        _write_model(model, folder, card, arrays, parent, staging)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(
            f"{folder}: cannot be written ({error.strerror or error})"
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
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"{folder}: folder {parent} cannot be made ({error.strerror or error})"
        ) from None
    io.temporary_beside(folder, folder=True).rmdir()


def _write_model(model, folder, card, arrays, parent, staging) -> None:
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
    (staging / CARD_TEXT).write_text(card_text(card), encoding="utf-8")
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
        json.dumps(payload, ensure_ascii=False, indent=2, default=_plain) + "\n",
        encoding="utf-8",
    )


def _plain(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return str(value)


MODEL_FILES = {*CHECKED, CARD_TEXT, CHECKSUMS}


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
        raise OutputError(f"{folder}: is a file; give a directory for the model")
    if folder.is_dir():
        held = {child.name for child in folder.iterdir()}
        earlier = {"model.joblib", CARD_JSON, CARD_TEXT, CHECKSUMS}
        if held and (CARD_JSON not in held or not held <= MODEL_FILES | earlier):
            raise OutputError(
                f"{folder}: exists and holds other files than a model's; choose a "
                "new or empty directory (ranking replaces a model directory whole)"
            )


def read_card(folder: str | Path) -> dict:
    """The model card, checked; raises :class:`ModelFileError` with what to do."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelFileError(f"{folder}: no model directory there; {_remedy(folder)}")
    card_path = folder / CARD_JSON
    if not card_path.exists():
        # Another folder without a card is not a model at all; the shipped
        # one without its card is a damaged install.
        shipped = _remedy(folder, otherwise="")
        raise ModelFileError(
            f"{folder}: no {CARD_JSON}, not a model directory"
            + (f"; {shipped}" if shipped else "")
        )
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ModelFileError(
            f"{card_path}: is not valid JSON; {_remedy(folder)}"
        ) from None
    if not isinstance(card, dict) or card.get("format") != MODEL_FORMAT:
        made = card.get("format") if isinstance(card, dict) else None
        raise ModelFileError(
            f"{folder}: model format {made} was made by another version of "
            f"ranking (this one reads format {MODEL_FORMAT}); {_remedy(folder)}"
        )
    return card


def verify_checksums(folder: Path) -> str:
    """Check every file against ``SHA256SUMS``; return that file's own digest
    (what identifies this model, e.g. for caches)."""
    sums_path = folder / CHECKSUMS
    if not sums_path.exists():
        raise ModelFileError(f"{folder}: {CHECKSUMS} is missing; {_remedy(folder)}")
    recorded = {}
    for line in sums_path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        recorded[name.strip()] = digest.strip()
    for name in CHECKED:
        path = folder / name
        if not path.exists():
            raise ModelFileError(f"{folder}: {name} is missing; {_remedy(folder)}")
        if recorded.get(name) != sha256(path):
            raise ModelFileError(
                f"{path}: does not match the checksum recorded in {CHECKSUMS}; "
                "the file was changed or damaged — "
                + _remedy(folder, otherwise="restore it or retrain")
            )
    return sha256(sums_path)


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
        meta = json.loads((folder / MODEL_JSON).read_text(encoding="utf-8"))
        with np.load(folder / MODEL_ARRAYS, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        model = WeightModel.from_data(meta, arrays)
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise ModelFileError(
            f"{folder}: does not hold a readable ranking model ({error}); "
            + _remedy(folder)
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


def card_text(card: dict) -> str:
    """The readable model card."""
    lines = [
        "ranking weight model",
        "====================",
        f"created      {card.get('created')}",
        f"trained on   {card.get('data', {}).get('file')}",
        f"  sha256     {card.get('data', {}).get('sha256')}",
        f"  rows       {card.get('data', {}).get('rows')}",
        f"label        {card.get('label')}",
    ]
    if card.get("ranks"):
        ranks = card["ranks"]
        lines += [
            f"ranks        {ranks.get('file')}",
            f"  sha256     {ranks.get('sha256')}",
            f"  groups     {ranks.get('groups')} keyword groups, "
            f"{ranks.get('observations')} observations "
            f"({ranks.get('censored')} censored)",
        ]
    held = (
        "whole keyword groups never seen in training"
        if card.get("label") == "ranks"
        else "listings never seen in training"
    )
    lines += ["", f"held-out metrics ({held})"]
    for system, metrics in card.get("metrics", {}).items():
        shown = ", ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
            for k, v in metrics.items()
        )
        lines.append(f"  {system:14} {shown}")
    cv = card.get("cross_validation")
    if cv:
        chosen = cv["chosen"]
        lines += [
            "",
            f"complexity   {cv['folds']}-fold cross-validation over keyword groups: "
            f"{chosen['n_knots']} knots, alpha {chosen['alpha']}",
            f"  left out   {', '.join(chosen['dropped']) or '(none)'} (did not help); "
            f"{', '.join(cv.get('not_in_export', [])) or '(none)'} (not in export)",
        ]
        for point in cv.get("curve", []):
            lines.append(
                f"  {point['n_knots']:>3} knots  alpha {point['alpha']:<6} "
                f"without {','.join(point['dropped']) or '-':28} "
                f"ndcg@10 {point['ndcg@10']:.3f}  spearman {point['spearman']:.3f}"
            )
    trust = card.get("trust")
    if trust:
        best = trust.get("best_signal")
        lines += ["", f"trust        {trust['level']} (against ordering by {best})"]
        for name, gains in trust.get("gain", {}).items():
            for metric, g in gains.items():
                lines.append(
                    f"  vs {name:14} {metric:8} {g['mean']:+.3f} "
                    f"[{g['low']:+.3f}, {g['high']:+.3f}]"
                )
    if card.get("leaned_on"):
        lines += ["", "leaned on (sd of each term over the training listings)"]
        lines += [
            f"  {entry['feature']:22} {entry['term_sd']:.3f}"
            for entry in card["leaned_on"][:10]
        ]
    if "blockers" in card:
        from ranking.blockers import card_lines

        lines += ["", "blockers learned (where a shape falls off a cliff)"]
        lines += card_lines(card["blockers"])
    lines += ["", "features (factor, constraint)"]
    for feature in card.get("features", []):
        sign = {1: "increasing", -1: "decreasing", 0: "free"}[feature["direction"]]
        lines.append(f"  {feature['name']:22} {feature['factor']:16} {sign}")
    lines += ["", "versions"]
    lines += [f"  {k:14} {v}" for k, v in card.get("versions", {}).items()]
    return "\n".join(lines) + "\n"
