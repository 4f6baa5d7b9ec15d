"""Shared test data: a small simulated market, written as files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ranking.cli import cli
from ranking.sim import simulate

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
REALDATA = REPO.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def market():
    """A 1,200-listing Chinese market (the same every run)."""
    return simulate(1200, seed=11)


@pytest.fixture(scope="session")
def market_files(market, tmp_path_factory) -> dict[str, Path]:
    """The market saved as files, with a back-office copy."""
    folder = tmp_path_factory.mktemp("market")
    return market.save(folder, backoffice=True)


@pytest.fixture(scope="session")
def model_dir(market_files, tmp_path_factory):
    """A model trained on the market's ranks."""
    from ranking.engines.training import train

    folder = tmp_path_factory.mktemp("fixmodel") / "m"
    train(market_files["catalog"], market_files["ranks"], output=folder)
    return folder


@pytest.fixture(scope="session")
def shifted(market, tmp_path_factory):
    """The market drifted from what its model was trained on: prices ×3,
    visitors ÷4, every DSR −0.2."""
    data = market.catalog.copy()
    data["price"] = data["price"] * 3
    data["visitors"] = (data["visitors"] / 4).round()
    for name in ("dsr_description", "dsr_service", "dsr_logistics"):
        data[name] = (data[name] - 0.2).round(2)
    path = tmp_path_factory.mktemp("drift") / "shifted.csv"
    data.to_csv(path, index=False)
    return path


@pytest.fixture(autouse=True)
def same_machine(monkeypatch, tmp_path_factory):
    """Tests read English unless they ask for Chinese (``--lang`` defaults
    from the locale, which differs between machines), and keep audit caches
    out of the user's cache folder."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    cache = tmp_path_factory.getbasetemp() / "audit-cache"
    monkeypatch.setenv("RANKING_CACHE_DIR", str(cache))


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    """The ``ranking`` command line run in-process:
    ``run_cli("score", export, "-o", out)`` is ``ranking score EXPORT -o OUT``.
    Each argument is passed as ``str(arg)`` (paths as they are); keywords go
    to click's ``CliRunner.invoke`` (``input=``, ``catch_exceptions=``, ...)."""
    runner = CliRunner()

    def run(*args: object, **kwargs) -> Result:
        return runner.invoke(cli, [str(arg) for arg in args], **kwargs)

    return run


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
