"""ranking.present.svg: the sparkline the history's small multiples draw."""

from __future__ import annotations

import re

import numpy as np

from ranking.explain.diff import PARTS
from ranking.present.svg import FACTOR_COLOURS, sparkline


def test_sparkline_gaps_marks_and_shades():
    drawn = sparkline([50, 48, np.nan, 30, 31], mark=3, since=1, colour="#123456")
    path = re.search(r'd="([^"]+)"', drawn).group(1)
    # Two runs: the missing period breaks the line.
    assert path.count("M") == 2 and path.count("L") == 2
    assert 'data-step="3"' in drawn and 'fill-opacity="0.12"' in drawn
    assert drawn.count("#123456") >= 2


def test_sparkline_scale_is_the_one_given():
    low = sparkline([10, 10], lo=0, hi=100, height=40)
    high = sparkline([90, 90], lo=0, hi=100, height=40)
    y_low = float(re.search(r"M[\d.]+,([\d.]+)", low).group(1))
    y_high = float(re.search(r"M[\d.]+,([\d.]+)", high).group(1))
    assert y_high < y_low  # higher weight drawn higher


def test_every_part_has_its_own_colour():
    assert set(FACTOR_COLOURS) == set(PARTS)
    assert len(set(FACTOR_COLOURS.values())) == len(PARTS)
