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
import stat
import tempfile
import zipfile
from dataclasses import fields
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from ranking import __version__, defaults
from ranking.defaults import DEFAULT_MODEL  # noqa: F401  (re-exported)
from ranking.errors import ModelFileError, OutputError
from ranking.model.cliffs import Cliff, card_lines
from ranking.model.features import FEATURE_NAMES, feature_table
from ranking.model.weight import WeightModel
from ranking.reading import io

#: Bumped whenever a saved model could not be read by this code. Format 1 was
#: a joblib pickle (refused: retrain); format 3 added the learned blocker
#: thresholds and the lowest DSR gap in place of the count below average;
#: format 4 replaced step shapes over bins with continuous ones over knots.
MODEL_FORMAT = 4
MODEL_JSON = "model.json"
MODEL_ARRAYS = "model.npz"
CARD_JSON = "card.json"
CARD_TEXT = "card.txt"
FEATURES_JSON = "features.json"
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
        card = json.loads(_read_file(card_path, MAX_JSON_BYTES).decode("utf-8"))
    except _Bad as error:
        raise ModelFileError(f"{folder}: {error}; {_remedy(folder)}") from None
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
    try:
        sums = _read_file(sums_path, MAX_JSON_BYTES)
        recorded = {}
        for line in sums.decode("utf-8", errors="replace").splitlines():
            digest, _, name = line.partition("  ")
            recorded[name.strip()] = digest.strip()
        limits = {MODEL_ARRAYS: MAX_NPZ_BYTES}
        found = {
            name: hashlib.sha256(
                _read_file(folder / name, limits.get(name, MAX_JSON_BYTES))
            ).hexdigest()
            for name in CHECKED
            if (folder / name).exists()
        }
    except _Bad as error:
        raise ModelFileError(f"{folder}: {error}; {_remedy(folder)}") from None
    for name in CHECKED:
        path = folder / name
        if name not in found:
            raise ModelFileError(f"{folder}: {name} is missing; {_remedy(folder)}")
        if recorded.get(name) != found[name]:
            raise ModelFileError(
                f"{path}: does not match the checksum recorded in {CHECKSUMS}; "
                "the file was changed or damaged — "
                + _remedy(folder, otherwise="restore it or retrain")
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
        _check_card(card)
    except _Bad as error:
        raise ModelFileError(
            f"{folder / CARD_JSON}: {error}; {_remedy(folder)}"
        ) from None
    try:
        meta = json.loads(_read_file(folder / MODEL_JSON, MAX_JSON_BYTES))
        arrays = _load_npz(_read_file(folder / MODEL_ARRAYS, MAX_NPZ_BYTES))
        _check_model(meta, arrays)
        if meta.get("trust") is not None:  # the audit shows it
            _check_json(meta["trust"], "trust", "trust")
        model = WeightModel.from_data(meta, arrays)
    except _Bad as error:
        raise ModelFileError(f"{folder}: {error}; {_remedy(folder)}") from None
    except Exception as error:  # noqa: BLE001 - whatever a damaged file raises
        # zipfile, numpy's header parser and json raise many types on a
        # damaged file (BadZipFile, EOFError, struct.error, ...): all one line.
        raise ModelFileError(
            f"{folder}: does not hold a readable ranking model "
            f"({type(error).__name__}: {error}); " + _remedy(folder)
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
        lines += ["", "blockers learned (where a shape falls off a cliff)"]
        lines += card_lines(card["blockers"])
    lines += ["", "features (factor, constraint)"]
    for feature in card.get("features", []):
        sign = {1: "increasing", -1: "decreasing", 0: "free"}[feature["direction"]]
        lines.append(f"  {feature['name']:22} {feature['factor']:16} {sign}")
    lines += ["", "versions"]
    lines += [f"  {k:14} {v}" for k, v in card.get("versions", {}).items()]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------ checked on load
# A model directory is a user's file: checksums catch damage, not an edit
# whose checksums were recomputed. Everything load_model returns is checked
# here against what the code that reads it needs, so a hand-edited model is
# one ModelFileError, never a traceback later nor NaN weights for every
# listing.

#: Largest model.json, card.json or SHA256SUMS read (the shipped ones are a
#: few KB), and largest model.npz, packed and unpacked (the shipped one is
#: 100 KB holding 22 KB of arrays): a 2 MB file may unpack to 2 GB.
MAX_JSON_BYTES = 16 * 2**20
MAX_NPZ_BYTES = 256 * 2**20
MAX_ARRAY_BYTES = 256 * 2**20
TRUST_LEVELS = {"better", "not_better", "worse", "too_few"}
#: Card and model.json keys whose value is a number (or, for the gain's
#: metrics, a {mean, low, high} of numbers), and those that count things.
NUMBER_KEYS = {
    "ndcg@10", "spearman", "score", "mean", "low", "high", "term_sd", "alpha",
    "median_cost", "threshold", "height", "share", "cleared", "center", "scale",
}  # fmt: skip
COUNT_KEYS = {
    "groups", "rows", "folds", "n_knots", "observations", "censored",
    "held_out_groups", "held_out_listings", "seed", "matched_observations",
}  # fmt: skip
NAME_LISTS = {"dropped", "not_in_export", "unknown_signals"}
#: Keys each entry must hold, where card_text, the report and the CLI read
#: them without a default.
REQUIRED = {
    "metrics.*": set(),
    "cross_validation": {"folds", "chosen"},
    "cross_validation.chosen": {"n_knots", "alpha", "dropped"},
    "cross_validation.curve[]": {"n_knots", "alpha", "dropped", "ndcg@10", "spearman"},
    "trust": {"level"},
    "trust.gain.*": {"ndcg@10", "spearman"},
    "trust.gain.*.*": {"mean", "low", "high"},
    "leaned_on[]": {"feature", "term_sd"},
    "features[]": {"name", "factor", "direction"},
    "blockers.*": {"low", "high", "median_cost", "threshold"},
    "ranks": {"groups"},
}


class _Bad(ValueError):
    """What is wrong with a model file, said in one line."""


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_json(value, where: str = "", pattern: str = "") -> None:
    """Walk a card or model.json: numbers finite, counts whole and not
    negative, required keys present (:data:`REQUIRED`, by ``pattern``)."""
    if isinstance(value, float) and not np.isfinite(value):
        raise _Bad(f"{where}: {value} is not a finite number")
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_json(item, f"{where}[{i}]", f"{pattern}[]")
        return
    if not isinstance(value, dict):
        return
    need = REQUIRED.get(pattern, set())
    if missing := sorted(need - set(value)):
        raise _Bad(f"{where or 'top level'}: {', '.join(missing)} missing")
    for key, item in value.items():
        here = f"{where}.{key}" if where else str(key)
        # A measurement may be undefined (null): a baseline the export gives
        # nothing to order by. Everything else printed as a number must be one.
        undefined_ok = item is None and pattern.startswith(("metrics", "trust"))
        if key in NUMBER_KEYS and not (
            _is_number(item) or undefined_ok or isinstance(item, dict)
        ):
            raise _Bad(f"{here}: {item!r} is not a number")
        if key in COUNT_KEYS and not (
            isinstance(item, int) and not isinstance(item, bool) and item >= 0
        ):
            raise _Bad(f"{here}: {item!r} is not a count")
        if key in NAME_LISTS and not (
            isinstance(item, list) and all(isinstance(n, str) for n in item)
        ):
            raise _Bad(f"{here}: {item!r} is not a list of names")
        if key == "level" and item not in TRUST_LEVELS:
            raise _Bad(f"{here}: {item!r} is not one of {sorted(TRUST_LEVELS)}")
        if key == "direction" and item not in (-1, 0, 1):
            raise _Bad(f"{here}: {item!r} is not -1, 0 or 1")
        if isinstance(item, dict | list):
            # A gain's metric: {mean, low, high}, each a number.
            if (
                key in NUMBER_KEYS
                and isinstance(item, dict)
                and not (
                    item
                    and all(
                        _is_number(v)
                        or (v is None and pattern.startswith(("metrics", "trust")))
                        for v in item.values()
                    )
                )
            ):
                raise _Bad(f"{here}: {item!r} is not numbers")
            starred = f"{pattern}.*" if pattern else "*"
            named = f"{pattern}.{key}" if pattern else str(key)
            _check_json(item, here, named if named in _PATTERNS else starred)


#: Every pattern REQUIRED names, and the prefixes leading to them: a key's
#: own name is followed where a pattern names it, else it is a "*".
_PATTERNS = {
    ".".join(p.split(".")[:i]) for p in REQUIRED for i in range(1, p.count(".") + 2)
} | {p.removesuffix("[]") for p in REQUIRED}


def _check_finite(value, where: str) -> None:
    """No NaN or infinity anywhere (Python's json reads ``NaN``)."""
    if isinstance(value, float) and not np.isfinite(value):
        raise _Bad(f"{where}: {value} is not a finite number")
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            _check_finite(item, f"{where}.{key}")


def _check_card(card: dict) -> None:
    _check_finite(card, CARD_JSON)
    _check_json(card)
    for key, kind in (("metrics", dict), ("blockers", dict), ("data", dict)):
        if key in card and not isinstance(card[key], kind):
            raise _Bad(f"{key}: not an object")
    for name, metrics in card.get("metrics", {}).items():
        if not isinstance(metrics, dict):
            raise _Bad(f"metrics.{name}: not an object")
    for name, entry in card.get("blockers", {}).items():
        if entry is not None and not isinstance(entry, dict):
            raise _Bad(f"blockers.{name}: not an object or null")
    for key in ("cross_validation", "trust", "ranks"):
        if card.get(key) is not None and not isinstance(card[key], dict):
            raise _Bad(f"{key}: not an object")
    if not isinstance(card.get("label"), str):
        raise _Bad(f"label: {card.get('label')!r} is not a name")


def _check_model(meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """model.json and model.npz as WeightModel.from_data and scoring need
    them: format 4, the features this version computes in its order, a
    finite centre and a positive scale, and per feature (and fold) finite
    knots strictly increasing with one more term than knots."""
    if not isinstance(meta, dict):
        raise _Bad(f"{MODEL_JSON}: not an object")
    if meta.get("format") != MODEL_FORMAT:
        raise _Bad(
            f"{MODEL_JSON}: format {meta.get('format')!r}, this version reads "
            f"format {MODEL_FORMAT}"
        )
    _check_finite(meta, MODEL_JSON)
    if meta.get("features") != list(FEATURE_NAMES):
        raise _Bad(
            f"{MODEL_JSON}: features are not the {len(FEATURE_NAMES)} this version "
            f"computes, in order ({', '.join(FEATURE_NAMES[:3])}, ...)"
        )
    n = len(FEATURE_NAMES)
    directions = meta.get("directions")
    if not (
        isinstance(directions, list)
        and len(directions) == n
        and all(d in (-1, 0, 1) and not isinstance(d, bool) for d in directions)
    ):
        raise _Bad(f"{MODEL_JSON}: directions must be {n} of -1, 0 or 1")
    if not isinstance(meta.get("label"), str):
        raise _Bad(f"{MODEL_JSON}: label is not a name")
    folds = meta.get("folds", [])
    if not isinstance(folds, list) or not all(isinstance(f, dict) for f in folds):
        raise _Bad(f"{MODEL_JSON}: folds is not a list of objects")
    for where, holder in [("", meta)] + [
        (f"folds[{i}].", f) for i, f in enumerate(folds)
    ]:
        if not _is_number(holder.get("center")):
            raise _Bad(f"{MODEL_JSON}: {where}center is not a finite number")
        scale = holder.get("scale")
        if not (_is_number(scale) and scale > 0):
            raise _Bad(f"{MODEL_JSON}: {where}scale {scale!r} is not above 0")
    cliffs = meta.get("cliffs")
    if not isinstance(cliffs, dict):
        raise _Bad(f"{MODEL_JSON}: cliffs is not an object")

    wanted = {f.name: f.type for f in fields(Cliff)}
    for name, cliff in cliffs.items():
        if cliff is None:
            continue
        if not isinstance(cliff, dict) or set(cliff) != set(wanted):
            raise _Bad(f"{MODEL_JSON}: cliffs.{name} is not a blocker's fields")
        for key, kind in wanted.items():
            ok = (
                isinstance(cliff[key], str)
                if kind in (str, "str")
                else _is_number(cliff[key])
            )
            if not ok:
                raise _Bad(f"{MODEL_JSON}: cliffs.{name}.{key} is {cliff[key]!r}")
    if meta.get("trust") is not None and not isinstance(meta["trust"], dict):
        raise _Bad(f"{MODEL_JSON}: trust is not an object")
    for prefix in [""] + [f"fold{i}_" for i in range(len(folds))]:
        intercept = arrays.get(f"{prefix}intercept")
        if intercept is None or intercept.shape != (1,):
            raise _Bad(f"{MODEL_ARRAYS}: {prefix}intercept missing or not one value")
        _finite_floats(intercept, f"{prefix}intercept")
        for j, name in enumerate(FEATURE_NAMES):
            knots = arrays.get(f"{prefix}knots_{j}")
            shape = arrays.get(f"{prefix}shape_{j}")
            if knots is None or shape is None:
                raise _Bad(f"{MODEL_ARRAYS}: {prefix}knots_{j}/shape_{j} missing")
            _finite_floats(knots, f"{prefix}knots_{j} ({name})")
            _finite_floats(shape, f"{prefix}shape_{j} ({name})")
            if knots.ndim != 1 or shape.ndim != 1 or len(shape) != len(knots) + 1:
                raise _Bad(
                    f"{MODEL_ARRAYS}: {prefix}shape_{j} ({name}) must hold one "
                    f"term more than its {knots.size} knots, not {shape.size}"
                )
            if np.any(np.diff(knots) <= 0):
                raise _Bad(
                    f"{MODEL_ARRAYS}: {prefix}knots_{j} ({name}) not strictly "
                    "increasing"
                )
    for key, value in arrays.items():
        if key.startswith("extra/") and value.dtype.kind not in "fiu":
            raise _Bad(f"{MODEL_ARRAYS}: {key} is {value.dtype}, not numbers")


def _finite_floats(array: np.ndarray, name: str) -> None:
    if array.dtype.kind not in "fiu":
        raise _Bad(f"{MODEL_ARRAYS}: {name} is {array.dtype}, not numbers")
    if not np.all(np.isfinite(array)):
        raise _Bad(f"{MODEL_ARRAYS}: {name} holds NaN or infinity")


def _read_file(path: Path, limit: int) -> bytes:
    """A model file's bytes: a regular file (a symlink to /dev/zero or a
    FIFO would hang the read) of at most ``limit`` bytes."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise _Bad(f"{path.name}: not a regular file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise
    except OSError as error:
        raise _Bad(f"{path.name}: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Bad(f"{path.name}: not a regular file")
        if info.st_size > limit:
            raise _Bad(f"{path.name}: {info.st_size:,} bytes, above {limit:,}")
        parts, left = [], limit + 1
        while left > 0 and (part := os.read(fd, min(left, 1 << 20))):
            parts.append(part)
            left -= len(part)
    finally:
        os.close(fd)
    if left <= 0:
        raise _Bad(f"{path.name}: above {limit:,} bytes")
    return b"".join(parts)


def _load_npz(data: bytes) -> dict[str, np.ndarray]:
    """The arrays of an NPZ, each one's shape and dtype read from its header
    first: together at most :data:`MAX_ARRAY_BYTES` unpacked, numbers only."""

    arrays, total = {}, 0
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for member in archive.infolist():
            if not member.filename.endswith(".npy"):
                raise _Bad(f"{MODEL_ARRAYS}: {member.filename} is not an array")
            with archive.open(member) as handle:
                version = npy.read_magic(handle)
                readers = {
                    (1, 0): npy.read_array_header_1_0,
                    (2, 0): npy.read_array_header_2_0,
                }
                if version not in readers:
                    raise _Bad(f"{MODEL_ARRAYS}: {member.filename}: npy {version}")
                shape, _, dtype = readers[version](handle)
                if dtype.hasobject:
                    raise _Bad(f"{MODEL_ARRAYS}: {member.filename} holds objects")
                total += int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
                if total > MAX_ARRAY_BYTES:
                    raise _Bad(
                        f"{MODEL_ARRAYS}: its arrays unpack to more than "
                        f"{MAX_ARRAY_BYTES // 2**20} MB"
                    )
        # Checked: now read (no pickles, and sizes known).
        with np.load(BytesIO(data), allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    return arrays
