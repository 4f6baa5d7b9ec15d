"""The what-if's data: the model's state as numbers a page can evaluate."""

import json

import numpy as np
import pytest

from ranking.explain import placement
from ranking.explain.whatif import EDITABLE, card_data, page_data
from ranking.model.features import FEATURE_NAMES
from ranking.model.workspace import Workspace
from ranking.reading.export import read_ranks


@pytest.fixture(scope="module")
def prepared(market_files, model_dir):
    return Workspace.open(market_files["catalog"], model_dir, cached=True).prepared


def test_page_data_is_the_models_state_as_plain_json(prepared):
    shared = page_data(prepared)
    json.dumps(shared, allow_nan=False)  # no NaN a browser's JSON.parse refuses
    model = shared["model"]
    additive = prepared.model.additive
    assert model["features"] == list(FEATURE_NAMES)
    for j, knots in enumerate(model["knots"]):
        np.testing.assert_array_equal(knots, additive.knots[j])  # exact numbers
    assert shared["categories"] == list(prepared.profile.sizes.index)
    # One yardstick, mean term and target per category: shared by every card.
    for table in ("centers", "typical", "targets"):
        for column in shared[table].values():
            assert len(column) == len(shared["categories"])
    transforms = {f["transform"] for f in shared["table"]["features"]}
    assert "log1p_minus_category_center" in transforms


def test_editable_signals_are_those_an_operator_changes():
    assert "category" in EDITABLE and "dsr_service" in EDITABLE
    assert {"title", "listed_at", "sales_rank", "page_views"}.isdisjoint(EDITABLE)


def test_card_data_carries_its_fit_in_every_category(prepared, market_files):
    ranks = read_ranks(market_files["ranks"])
    listing = str(ranks.data["listing_id"].iloc[0])
    row = prepared.lookup([listing])
    scored = prepared.score(row)
    at = row.index[0]
    rivals = placement.keyword_rivals(prepared, ranks, listing)
    card = card_data(prepared, scored, at, rivals)
    json.dumps(card, allow_nan=False)
    placed = card["values"]["category"]
    assert set(card["fits"]) == set(page_data(prepared)["categories"])
    # Its own category's fit is the one it was scored with.
    assert card["fits"][placed][0] == pytest.approx(
        scored.title_fit.at[at, "title_fit"]
    )
    assert card["weight"] == pytest.approx(float(scored.weight[at]))
    assert [k["keyword"] for k in card["keywords"]] == [s["keyword"] for s in rivals]
