"""The package's public surface."""

import subprocess
import sys

import ranking


def test_every_public_name_resolves():
    for name in ranking.__all__:
        assert getattr(ranking, name) is not None, name


def test_reading_does_not_load_scikit_learn():
    """`ranking --help` and `check` stay fast: heavy modules load on first use."""
    code = (
        "import sys, ranking.cli; "
        "print('sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
