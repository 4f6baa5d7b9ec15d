"""Wall time and peak memory of ``ranking train`` on a generated catalog.

Runs the real command in a child process (as a seller would), beside a peer in
the same run: reading and validating the same export with ``ranking check``,
the floor any training must pay. Target (issue 3): 20,000 listings in under
30 s on a 2-core machine.

Run: ``.venv/bin/python bench/train_speed.py [--listings N]``
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RANKING = Path(sys.executable).with_name("ranking")


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and the child's peak RSS (MiB) of one command."""
    start = time.perf_counter()
    with subprocess.Popen(args, stdout=subprocess.DEVNULL) as child:
        _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(args)} failed ({status})")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [
                str(RANKING),
                "sample-data",
                "-o",
                folder,
                "--listings",
                str(args.listings),
                "--seed",
                "1",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        catalog, ranks = f"{folder}/catalog.csv", f"{folder}/ranks.csv"
        check = run([str(RANKING), "check", catalog])
        train = run(
            [str(RANKING), "train", catalog, "--ranks", ranks, "-o", f"{folder}/model"]
        )
    print(
        f"# {args.listings:,} listings; {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print(f"{'command':16} {'wall_s':>7} {'peak_MiB':>9}")
    print(f"{'ranking check':16} {check[0]:7.2f} {check[1]:9.0f}")
    print(f"{'ranking train':16} {train[0]:7.2f} {train[1]:9.0f}")


if __name__ == "__main__":
    main()
