"""The effort table read from a file, or refused with the reason."""

import pytest
from conftest import write_csv

from ranking.explain import effort


def test_effort_files(tmp_path):
    json_file = tmp_path / "e.json"
    json_file.write_text('{"dsr": 0.5}')
    assert effort.load_effort(json_file)["dsr"] == 0.5
    csv_file = write_csv(tmp_path / "e.csv", "factor,effort\nmain_video,2\n")
    table = effort.load_effort(csv_file)
    assert table["main_video"] == 2.0 and table["dsr"] == effort.DEFAULT_EFFORT["dsr"]
    bad = write_csv(tmp_path / "b.csv", "factor,effort\nvideo,2\n")
    with pytest.raises(effort.EffortError, match="unknown factor 'video'"):
        effort.load_effort(bad)
    zero = write_csv(tmp_path / "z.csv", "dsr,0\n")
    with pytest.raises(effort.EffortError, match="expected a number > 0"):
        effort.load_effort(zero)
