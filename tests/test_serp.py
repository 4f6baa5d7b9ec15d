"""Best Sellers Rank, a sales signal (lower is better) where no sales count
is given (spec "Training from search pages"; sources in
docs/sources/serp-headers.md)."""

import numpy as np
import pandas as pd
import pytest
from conftest import write_csv

from ranking import schema
from ranking.export import read_export
from ranking.features import FEATURES, sales
from ranking.values import parse_sales_ranks

# --- Best Sellers Rank ------------------------------------------------------------


def test_best_sellers_rank_is_read_from_the_forms_scrapers_write():
    cells = pd.Series(
        [
            # Amazon's detail page, kept whole (serp-headers.md A5, A6)
            "#1,234 in Home & Kitchen (See Top 100 in Home & Kitchen) #5 in Boxes",
            "#35,077 in Electronics (See Top 100 in Electronics) #2,607 in Earbud "
            "& In-Ear Headphones",
            "#13 in Radio Antennas",
            "1,234",  # after the '#' and ' in ...' are cut off (A2)
            "Nr. 2.841 in Drogerie & Körperpflege",  # a German page (A7)
            "",
            "N/A",
            "in Home & Kitchen",
        ]
    )
    values, bad = parse_sales_ranks(cells)
    assert values.tolist()[:5] == [1234.0, 35077.0, 13.0, 1234.0, 2841.0]
    assert values[5:].isna().all()
    assert bad.tolist() == [False] * 7 + [True]


@pytest.mark.parametrize("header", ["Best Sellers Rank", "BSR", "sales_rank"])
def test_best_sellers_rank_headers(tmp_path, header):
    path = write_csv(
        tmp_path / "b.csv",
        f'ASIN,{header}\nB01,"#1,234 in Home & Kitchen"\nB02,#0 in Toys\nB03,abc\n',
    )
    export = read_export(path)
    assert export.columns["sales_rank"] == header
    assert export.data["sales_rank"].tolist() == [1234.0]
    reasons = export.rejects["reject_reason"].tolist()
    assert reasons == [
        "row 3: sales_rank is 0, expected a rank 1, 2, ...",
        "row 4: sales_rank is 'abc', expected a Best Sellers Rank such as #1,234 in "
        "Home & Kitchen",
    ]


def test_best_sellers_rank_stands_in_only_where_no_sales_count_is_given():
    frame = pd.DataFrame(
        {
            "listing_id": ["a", "b", "c"],
            "sales_rank": [10.0, 10_000.0, 10.0],
            "monthly_sales": [np.nan, np.nan, 300.0],
        }
    )
    feature = sales.extract_sales_rank(frame, None)["log_sales_rank"]
    assert feature[0] < feature[1]  # a better (lower) rank, a lower log-rank
    assert np.isnan(feature[2])  # the sales count is the signal here
    direction = {f.name: f.direction for f in FEATURES}["log_sales_rank"]
    assert direction == -1  # so the weight can only fall as the rank grows
    assert "sales_rank" in schema.absent_signals(frame[["listing_id"]])
    assert "sales_rank" not in schema.absent_signals(frame)
    assert "sales_rank" not in schema.absent_signals(frame.drop(columns="sales_rank"))
