"""Two exports of one catalog: each listing's change split across the factors."""

import numpy as np
import pandas as pd
import pytest

from ranking.diff import PARTS, diff, unusual_drops


@pytest.fixture(scope="module")
def weeks(market_files, tmp_path_factory):
    old = pd.read_csv(market_files["catalog"], dtype={"listing_id": str})
    new = old.copy()
    # One listing's shop DSR pushed well below its category, one listing's
    # main video removed; everything else as it was.
    dsr_row = int(np.flatnonzero(old["dsr_service"] >= 4.8)[0])
    video_row = int(np.flatnonzero(old["has_main_video"] == 1)[0])
    new.loc[dsr_row, "dsr_service"] = 4.3
    new.loc[video_row, "has_main_video"] = 0
    path = tmp_path_factory.mktemp("diff") / "new.csv"
    new.to_csv(path, index=False)
    ids = old["listing_id"]
    return path, ids[dsr_row], ids[video_row]


def test_parts_add_up_to_the_change_and_name_what_moved(weeks, market_files, model_dir):
    path, dsr_id, video_id = weeks
    result = diff(market_files["catalog"], path, model_dir)
    table = result["table"].set_index("listing_id")
    parts = table[[f"part_{p}" for p in PARTS]]
    both = table["status"] == "both"
    assert (parts[both].sum(axis=1) - table.loc[both, "change"]).abs().max() < 1e-9
    assert result["listings"] == {"both": len(table), "new": 0, "gone": 0}
    # Listings nobody touched did not move at all.
    untouched = table.index.difference([dsr_id, video_id])
    assert table.loc[untouched, "change"].abs().max() < 1e-9
    assert table.loc[dsr_id, "change"] < 0 and table.loc[video_id, "change"] < 0
    assert parts.loc[dsr_id].idxmin() == "part_dsr"
    assert parts.loc[video_id].idxmin() == "part_main_video"
    assert table.loc[video_id, "part_dsr"] == 0
    for listing, factor in ((dsr_id, "dsr"), (video_id, "main_video")):
        assert table.loc[listing, "flagged"]
        assert table.loc[listing, "main_factor"] == factor
        assert table.loc[listing, "revert_gain"] == pytest.approx(
            -table.loc[listing, "change"]
        )
    assert "dsr_service 4.8" in table.loc[dsr_id, "reason"]
    assert "now below the category's" in table.loc[dsr_id, "reason"]
    assert table.loc[video_id, "reason"] == "has_main_video yes → no"


def test_a_shift_the_whole_category_shares_is_not_unusual():
    change = pd.Series([-5.0, -5.2, -4.9, -5.1, -5.0, -12.0])
    category = pd.Series(["a"] * 6)
    assert unusual_drops(change, category).tolist() == [False] * 5 + [True]
