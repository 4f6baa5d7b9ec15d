"""Issue 23's guard: every command writes byte for byte what it wrote before
the redesign (``tests/golden/``, recorded by ``tests/golden/record.py``).
A change meant to alter an output records it again and says so in its
commit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
from cases import CASES, GOLDEN, REPO  # noqa: E402
from record import run  # noqa: E402


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_command_writes_what_it_wrote_before(name, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    found = run(name, tmp_path)
    recorded = {p.name: p.read_bytes() for p in (GOLDEN / name).iterdir()}
    assert sorted(found) == sorted(recorded)
    for key, data in found.items():
        assert data == recorded[key], (
            f"{name}/{key} differs from tests/golden/{name}/{key}: a change "
            "meant to alter it records it again (tests/golden/record.py)"
        )
