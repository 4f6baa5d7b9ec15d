"""Record the golden outputs again (see ``cases.py``): run each case and keep
what it writes, a report's date masked. Run from anywhere:

    .venv/bin/python tests/golden/record.py [CASE ...]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import CASES, GOLDEN, REPO, arguments, comparable  # noqa: E402

from ranking.cli import cli  # noqa: E402


def run(name: str, out: Path) -> dict[str, bytes]:
    """The case's outputs: ``stdout`` and each file it names."""
    result = CliRunner().invoke(cli, arguments(name, out), catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"{name}: exit {result.exit_code}\n{result.output}")
    found = {"stdout": result.stdout_bytes}
    for file_name in CASES[name][1]:
        path = out / file_name
        found[file_name] = path.read_bytes() if path.exists() else b"<absent>"
    # The output folder is a new temporary one each run, and the checkout
    # (where the shipped model is) sits elsewhere on another machine.
    return {
        key: comparable(key, data)
        .replace(str(out).encode(), b"{out}")
        .replace(str(REPO).encode(), b"{repo}")
        for key, data in found.items()
    }


def main_record(names: list[str]) -> None:
    os.chdir(REPO)
    os.environ.update(LANG="C.UTF-8", RANKING_CACHE_DIR=tempfile.mkdtemp())
    for key in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        os.environ.pop(key, None)
    for name in names or list(CASES):
        with tempfile.TemporaryDirectory() as tmp:
            found = run(name, Path(tmp))
        folder = GOLDEN / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for key, data in found.items():
            (folder / key).write_bytes(data)
        print(name, {key: len(data) for key, data in found.items()})


if __name__ == "__main__":
    main_record(sys.argv[1:])
