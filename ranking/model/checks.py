"""A model directory's files checked before anything in them is trusted:
sizes bounded before reading, every JSON value's type and range, every
array's shape, dtype and finiteness. A hand-edited model with recomputed
checksums fails here with one line, never as NaN weights or a traceback."""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import fields
from io import BytesIO
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from ranking.model.cliffs import Cliff
from ranking.model.features import FEATURE_NAMES

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
NUMBER_LISTS = {"fold_rises"}
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
    "blockers_not_in_every_fold.*": {"low", "high", "median_cost", "fold_rises"},
    "ranks": {"groups"},
}


class BadModelFile(ValueError):
    """What is wrong with a model file, said in one line."""


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_json(value, where: str = "", pattern: str = "") -> None:
    """Walk a card or model.json: numbers finite, counts whole and not
    negative, required keys present (:data:`REQUIRED`, by ``pattern``)."""
    if isinstance(value, float) and not np.isfinite(value):
        raise BadModelFile(f"{where}: {value} is not a finite number")
    if isinstance(value, list):
        for i, item in enumerate(value):
            check_json(item, f"{where}[{i}]", f"{pattern}[]")
        return
    if not isinstance(value, dict):
        return
    need = REQUIRED.get(pattern, set())
    if missing := sorted(need - set(value)):
        raise BadModelFile(f"{where or 'top level'}: {', '.join(missing)} missing")
    for key, item in value.items():
        here = f"{where}.{key}" if where else str(key)
        # A measurement may be undefined (null): a baseline the export gives
        # nothing to order by. Everything else printed as a number must be one.
        undefined_ok = item is None and pattern.startswith(("metrics", "trust"))
        if key in NUMBER_KEYS and not (
            _is_number(item) or undefined_ok or isinstance(item, dict)
        ):
            raise BadModelFile(f"{here}: {item!r} is not a number")
        if key in COUNT_KEYS and not (
            isinstance(item, int) and not isinstance(item, bool) and item >= 0
        ):
            raise BadModelFile(f"{here}: {item!r} is not a count")
        if key in NAME_LISTS and not (
            isinstance(item, list) and all(isinstance(n, str) for n in item)
        ):
            raise BadModelFile(f"{here}: {item!r} is not a list of names")
        if key in NUMBER_LISTS and not (
            isinstance(item, list) and item and all(_is_number(n) for n in item)
        ):
            raise BadModelFile(f"{here}: {item!r} is not a list of numbers")
        if key == "level" and item not in TRUST_LEVELS:
            raise BadModelFile(f"{here}: {item!r} is not one of {sorted(TRUST_LEVELS)}")
        if key == "direction" and item not in (-1, 0, 1):
            raise BadModelFile(f"{here}: {item!r} is not -1, 0 or 1")
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
                raise BadModelFile(f"{here}: {item!r} is not numbers")
            starred = f"{pattern}.*" if pattern else "*"
            named = f"{pattern}.{key}" if pattern else str(key)
            check_json(item, here, named if named in _PATTERNS else starred)


#: Every pattern REQUIRED names, and the prefixes leading to them: a key's
#: own name is followed where a pattern names it, else it is a "*".
_PATTERNS = {
    ".".join(p.split(".")[:i]) for p in REQUIRED for i in range(1, p.count(".") + 2)
} | {p.removesuffix("[]") for p in REQUIRED}


def _check_finite(value, where: str) -> None:
    """No NaN or infinity anywhere (Python's json reads ``NaN``)."""
    if isinstance(value, float) and not np.isfinite(value):
        raise BadModelFile(f"{where}: {value} is not a finite number")
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            _check_finite(item, f"{where}.{key}")


def check_card(card: dict) -> None:
    _check_finite(card, CARD_JSON)
    check_json(card)
    for key, kind in (("metrics", dict), ("blockers", dict), ("data", dict)):
        if key in card and not isinstance(card[key], kind):
            raise BadModelFile(f"{key}: not an object")
    for name, metrics in card.get("metrics", {}).items():
        if not isinstance(metrics, dict):
            raise BadModelFile(f"metrics.{name}: not an object")
    for name, entry in card.get("blockers", {}).items():
        if entry is not None and not isinstance(entry, dict):
            raise BadModelFile(f"blockers.{name}: not an object or null")
    unheld = card.get("blockers_not_in_every_fold", {})
    if not isinstance(unheld, dict) or not all(
        isinstance(entry, dict) for entry in unheld.values()
    ):
        raise BadModelFile("blockers_not_in_every_fold: not an object of objects")
    for key in ("cross_validation", "trust", "ranks"):
        if card.get(key) is not None and not isinstance(card[key], dict):
            raise BadModelFile(f"{key}: not an object")
    if not isinstance(card.get("label"), str):
        raise BadModelFile(f"label: {card.get('label')!r} is not a name")


def check_model(meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """model.json and model.npz as WeightModel.from_data and scoring need
    them: format 4, the features this version computes in its order, a
    finite centre and a positive scale, and per feature (and fold) finite
    knots strictly increasing with one more term than knots."""
    if not isinstance(meta, dict):
        raise BadModelFile(f"{MODEL_JSON}: not an object")
    if meta.get("format") != MODEL_FORMAT:
        raise BadModelFile(
            f"{MODEL_JSON}: format {meta.get('format')!r}, this version reads "
            f"format {MODEL_FORMAT}"
        )
    _check_finite(meta, MODEL_JSON)
    _check_features(meta)
    folds = meta.get("folds", [])
    if not isinstance(folds, list) or not all(isinstance(f, dict) for f in folds):
        raise BadModelFile(f"{MODEL_JSON}: folds is not a list of objects")
    for where, holder in [("", meta)] + [
        (f"folds[{i}].", f) for i, f in enumerate(folds)
    ]:
        if not _is_number(holder.get("center")):
            raise BadModelFile(f"{MODEL_JSON}: {where}center is not a finite number")
        scale = holder.get("scale")
        if not (_is_number(scale) and scale > 0):
            raise BadModelFile(f"{MODEL_JSON}: {where}scale {scale!r} is not above 0")
    _check_cliffs(meta.get("cliffs"))
    if meta.get("trust") is not None and not isinstance(meta["trust"], dict):
        raise BadModelFile(f"{MODEL_JSON}: trust is not an object")
    for prefix in [""] + [f"fold{i}_" for i in range(len(folds))]:
        _check_shapes(arrays, prefix)
    for key, value in arrays.items():
        if key.startswith("extra/") and value.dtype.kind not in "fiu":
            raise BadModelFile(f"{MODEL_ARRAYS}: {key} is {value.dtype}, not numbers")


def _check_features(meta: dict) -> None:
    """The features this version computes, in its order, each with a
    monotone direction; and the label's name."""
    if meta.get("features") != list(FEATURE_NAMES):
        raise BadModelFile(
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
        raise BadModelFile(f"{MODEL_JSON}: directions must be {n} of -1, 0 or 1")
    if not isinstance(meta.get("label"), str):
        raise BadModelFile(f"{MODEL_JSON}: label is not a name")


def _check_cliffs(cliffs) -> None:
    """The learned blockers: per feature none, or a :class:`Cliff`'s fields
    with text where it holds text and finite numbers elsewhere."""
    if not isinstance(cliffs, dict):
        raise BadModelFile(f"{MODEL_JSON}: cliffs is not an object")

    wanted = {f.name: f.type for f in fields(Cliff)}
    for name, cliff in cliffs.items():
        if cliff is None:
            continue
        if not isinstance(cliff, dict) or set(cliff) != set(wanted):
            raise BadModelFile(f"{MODEL_JSON}: cliffs.{name} is not a blocker's fields")
        for key, kind in wanted.items():
            ok = (
                isinstance(cliff[key], str)
                if kind in (str, "str")
                else _is_number(cliff[key])
            )
            if not ok:
                raise BadModelFile(
                    f"{MODEL_JSON}: cliffs.{name}.{key} is {cliff[key]!r}"
                )


def _check_shapes(arrays: dict[str, np.ndarray], prefix: str) -> None:
    """One fitted model's arrays (the whole model's, or a fold's under
    ``prefix``): one finite intercept, and per feature finite knots strictly
    increasing with one more term than knots."""
    intercept = arrays.get(f"{prefix}intercept")
    if intercept is None or intercept.shape != (1,):
        raise BadModelFile(
            f"{MODEL_ARRAYS}: {prefix}intercept missing or not one value"
        )
    _finite_floats(intercept, f"{prefix}intercept")
    for j, name in enumerate(FEATURE_NAMES):
        knots = arrays.get(f"{prefix}knots_{j}")
        shape = arrays.get(f"{prefix}shape_{j}")
        if knots is None or shape is None:
            raise BadModelFile(f"{MODEL_ARRAYS}: {prefix}knots_{j}/shape_{j} missing")
        _finite_floats(knots, f"{prefix}knots_{j} ({name})")
        _finite_floats(shape, f"{prefix}shape_{j} ({name})")
        if knots.ndim != 1 or shape.ndim != 1 or len(shape) != len(knots) + 1:
            raise BadModelFile(
                f"{MODEL_ARRAYS}: {prefix}shape_{j} ({name}) must hold one "
                f"term more than its {knots.size} knots, not {shape.size}"
            )
        if np.any(np.diff(knots) <= 0):
            raise BadModelFile(
                f"{MODEL_ARRAYS}: {prefix}knots_{j} ({name}) not strictly increasing"
            )


def _finite_floats(array: np.ndarray, name: str) -> None:
    if array.dtype.kind not in "fiu":
        raise BadModelFile(f"{MODEL_ARRAYS}: {name} is {array.dtype}, not numbers")
    if not np.all(np.isfinite(array)):
        raise BadModelFile(f"{MODEL_ARRAYS}: {name} holds NaN or infinity")


def read_bounded(path: Path, limit: int) -> bytes:
    """A model file's bytes: a regular file (a symlink to /dev/zero or a
    FIFO would hang the read) of at most ``limit`` bytes."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise BadModelFile(f"{path.name}: not a regular file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise
    except OSError as error:
        raise BadModelFile(f"{path.name}: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BadModelFile(f"{path.name}: not a regular file")
        if info.st_size > limit:
            raise BadModelFile(f"{path.name}: {info.st_size:,} bytes, above {limit:,}")
        parts, left = [], limit + 1
        while left > 0 and (part := os.read(fd, min(left, 1 << 20))):
            parts.append(part)
            left -= len(part)
    finally:
        os.close(fd)
    if left <= 0:
        raise BadModelFile(f"{path.name}: above {limit:,} bytes")
    return b"".join(parts)


def load_npz(data: bytes) -> dict[str, np.ndarray]:
    """The arrays of an NPZ, each one's shape and dtype read from its header
    first: together at most :data:`MAX_ARRAY_BYTES` unpacked, numbers only."""

    arrays, total = {}, 0
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for member in archive.infolist():
            if not member.filename.endswith(".npy"):
                raise BadModelFile(f"{MODEL_ARRAYS}: {member.filename} is not an array")
            with archive.open(member) as handle:
                version = npy.read_magic(handle)
                readers = {
                    (1, 0): npy.read_array_header_1_0,
                    (2, 0): npy.read_array_header_2_0,
                }
                if version not in readers:
                    raise BadModelFile(
                        f"{MODEL_ARRAYS}: {member.filename}: npy {version}"
                    )
                shape, _, dtype = readers[version](handle)
                if dtype.hasobject:
                    raise BadModelFile(
                        f"{MODEL_ARRAYS}: {member.filename} holds objects"
                    )
                total += int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
                if total > MAX_ARRAY_BYTES:
                    raise BadModelFile(
                        f"{MODEL_ARRAYS}: its arrays unpack to more than "
                        f"{MAX_ARRAY_BYTES // 2**20} MB"
                    )
        # Checked: now read (no pickles, and sizes known).
        with np.load(BytesIO(data), allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    return arrays
