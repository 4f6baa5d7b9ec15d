"""The model directory: the fitted model, its card, and checksums.

A joblib file is code: unpickling it runs it. So before anything is
unpickled, :func:`load_model` checks the card's format and library versions
and the file's SHA-256 against the one recorded when it was written, and
refuses the directory with a message that says what to do. This guards
against damaged, swapped or stale files; it is not a signature: load only
model directories you made or trust.
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

import joblib
import numpy as np
import pandas as pd
import scipy
import sklearn

from ranking.defaults import DEFAULT_MODEL  # noqa: F401  (re-exported)
from ranking.errors import ModelFileError, OutputError
from ranking.model import WeightModel

#: Bumped whenever a saved model could not be read by this code.
MODEL_FORMAT = 1
MODEL_FILE = "model.joblib"
CARD_JSON = "card.json"
CARD_TEXT = "card.txt"
CHECKSUMS = "SHA256SUMS"


def versions() -> dict[str, str]:
    """The library versions a model is tied to."""
    from ranking import __version__

    return {
        "ranking": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
    }


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(model: WeightModel, folder: str | Path, card: dict) -> Path:
    """Write ``model`` and its card into ``folder``; the directory is replaced
    whole (written beside it, then renamed), never left half-written."""
    folder = Path(folder)
    _check_replaceable(folder)
    parent = folder.parent if str(folder.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=parent))
    try:
        joblib.dump(model, staging / MODEL_FILE, compress=3)
        card = {
            **card,
            "format": MODEL_FORMAT,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": versions(),
            "model_sha256": sha256(staging / MODEL_FILE),
        }
        (staging / CARD_JSON).write_text(
            json.dumps(card, ensure_ascii=False, indent=2, default=str) + "\n",
            encoding="utf-8",
        )
        (staging / CARD_TEXT).write_text(card_text(card), encoding="utf-8")
        sums = "".join(
            f"{sha256(staging / name)}  {name}\n" for name in (MODEL_FILE, CARD_JSON)
        )
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
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


MODEL_FILES = {MODEL_FILE, CARD_JSON, CARD_TEXT, CHECKSUMS}


def _check_replaceable(folder: Path) -> None:
    """Replacing a directory deletes what it held: only an empty directory or
    an earlier model directory may be replaced, never a folder of other files."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is a file; give a directory for the model")
    if folder.is_dir():
        held = {child.name for child in folder.iterdir()}
        if held and (CARD_JSON not in held or not held <= MODEL_FILES):
            raise OutputError(
                f"{folder}: exists and holds other files than a model's; choose a "
                "new or empty directory (ranking replaces a model directory whole)"
            )


def read_card(folder: str | Path) -> dict:
    """The model card, checked; raises :class:`ModelFileError` with what to do."""
    folder = Path(folder)
    retrain = "retrain with `ranking train EXPORT --ranks RANKS -o DIR`"
    if not folder.is_dir():
        raise ModelFileError(f"{folder}: no model directory there; {retrain}")
    card_path = folder / CARD_JSON
    if not card_path.exists():
        raise ModelFileError(f"{folder}: no {CARD_JSON}, not a model directory")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ModelFileError(f"{card_path}: is not valid JSON; {retrain}") from None
    if card.get("format") != MODEL_FORMAT:
        raise ModelFileError(
            f"{folder}: model format {card.get('format')} was made by another "
            f"version of ranking (this one reads format {MODEL_FORMAT}); {retrain}"
        )
    made_with = card.get("versions", {}).get("scikit-learn")
    if made_with != sklearn.__version__:
        raise ModelFileError(
            f"{folder}: made with scikit-learn {made_with}, this is "
            f"{sklearn.__version__}; refusing to unpickle it, {retrain}"
        )
    return card


def load_model(folder: str | Path) -> tuple[WeightModel, dict]:
    """Load a model directory after checking its card and checksum.

    Raises :class:`ModelFileError` before unpickling anything if the card is
    missing, of another format or scikit-learn version, or if ``model.joblib``
    does not match its recorded SHA-256.
    """
    folder = Path(folder)
    card = read_card(folder)
    model_path = folder / MODEL_FILE
    if not model_path.exists():
        raise ModelFileError(f"{folder}: {MODEL_FILE} is missing")
    if sha256(model_path) != card.get("model_sha256"):
        raise ModelFileError(
            f"{model_path}: does not match the checksum recorded in {CARD_JSON}; "
            "the file was changed or damaged — restore it or retrain"
        )
    model = joblib.load(model_path)
    if not isinstance(model, WeightModel):
        raise ModelFileError(f"{model_path}: does not hold a ranking model")
    return model, card


def is_usable(folder: str | Path) -> bool:
    """True if ``folder`` holds a model this installation can load."""
    try:
        load_model(folder)
    except ModelFileError:
        return False
    return True


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
    lines += ["", "features (factor, constraint)"]
    for feature in card.get("features", []):
        sign = {1: "increasing", -1: "decreasing", 0: "free"}[feature["direction"]]
        lines.append(f"  {feature['name']:22} {feature['factor']:16} {sign}")
    lines += ["", "versions"]
    lines += [f"  {k:14} {v}" for k, v in card.get("versions", {}).items()]
    return "\n".join(lines) + "\n"
