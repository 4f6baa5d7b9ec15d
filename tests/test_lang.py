"""Chinese and English: the translation table, walked, and what commands write."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pandas as pd
import pytest

from ranking import messages
from ranking.engines.outputs import output_columns
from ranking.explain.fixes import FIX_COLUMNS
from ranking.model.drift import KINDS
from ranking.model.features import FACTORS
from ranking.model.trust import TRUST_LEVELS
from ranking.present import lang
from ranking.reading import schema
from ranking.reading.kinds import KINDS as COLUMN_KINDS

SOURCE = "\n".join(
    path.read_text(encoding="utf-8")
    for path in Path(messages.__file__).parent.rglob("*.py")
    if path.name != "messages.py"
)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(lang.TEXT))
def test_every_text_exists_in_both_languages_with_the_same_fields(key):
    english, chinese = lang.TEXT[key]
    assert english.strip() and chinese.strip()
    assert fields(english) == fields(chinese)
    assert not CJK.search(english), "English text with Chinese characters"
    # Names (factors, signals, columns) may be the English identifier; every
    # sentence must be written in Chinese.
    assert CJK.search(chinese) or chinese == english.replace("; ", "；")


def _families() -> dict[str, set[str]]:
    """Keys built at run time from a name, and the names each family needs."""
    return {
        "factor.": {*FACTORS, "other", "model"},
        "fix.": set(FACTORS),
        "column.": set(output_columns()),
        "action.label.": set().union(*FIX_COLUMNS.values())
        - {"gmv", "category", "has_main_video", "has_white_bg_image"},
        "blocker.position_": {"level", "below", "above"},
        "blocker.cliff_": {"level", "below", "above"},
        "drift.": {f"{kind}s" for kind in KINDS}
        | {"warning_factors", "warning_signals", "notice"},
        "trust.": {*TRUST_LEVELS, "gain"},
        # How a Said's tuple and list fields are joined (ranking.messages).
        "list.": {"join", "comma"},
        "allowed.": set(COLUMN_KINDS),
    }


def test_every_key_is_used_and_every_used_key_exists():
    keys = set(lang.TEXT)
    expected = {p + name for p, names in _families().items() for name in names}
    assert expected <= keys, sorted(expected - keys)
    signals = {k for k in keys if k.startswith("signal.")}
    literal = {k for k in keys if re.search(rf"""["']{re.escape(k)}["']""", SOURCE)}
    # Headers looked up as f"audit.{k}" / f"diff.{k}" from a tuple of names.
    suffixes = {
        k
        for k in keys
        if k.split(".")[0] in {"audit", "diff"} and f'"{k.split(".", 1)[1]}"' in SOURCE
    }
    unused = keys - expected - signals - literal - suffixes
    assert not unused, sorted(unused)
    said = set(re.findall(r"""(?:say|Said)\(\s*["']([a-z_.0-9]+)["']""", SOURCE))
    assert said <= keys, sorted(said - keys)


def test_chinese_signal_names_are_headers_real_exports_write():
    aliases = {c.name: set(c.aliases) for c in schema.EXPORT_COLUMNS}
    for key, (english, chinese) in lang.TEXT.items():
        if key.startswith("signal."):
            name = key.removeprefix("signal.")
            assert english == name
            assert chinese in aliases[name], (name, chinese)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.Big5"}, "zh"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANGUAGE": "zh_CN:en", "LANG": "C.UTF-8"}, "zh"),
        ({"LANG": "C"}, "en"),
        ({}, "en"),
    ],
    ids=["zh_CN", "zh_TW", "lc_all-first", "language-first", "C", "unset"],
)
def test_default_language_follows_the_locale(environ, expected):
    assert lang.default_language(environ) == expected


def english_words(text: str) -> set[str]:
    """Words of an English sentence of the table found in ``text``."""
    vocabulary = {
        word
        for key, (english, chinese) in lang.TEXT.items()
        if not key.startswith(("factor.", "signal.", "column.", "action.label."))
        for word in re.findall(r"(?<![\w{])[a-z]{4,}(?![\w}])", english)
        # A word the Chinese text keeps too is a name (spearman, alpha).
        if word not in chinese
    }
    # Identifiers (column and factor names) and command lines stay English.
    names = re.findall(r"[A-Za-z_]*_[A-Za-z_]+|--?[a-z-]+|ranking \w+.*", text)
    bare = text
    for name in sorted(set(names), key=len, reverse=True):
        bare = bare.replace(name, " ")
    columns = {c.name for c in schema.EXPORT_COLUMNS}
    return {
        w for w in re.findall(r"[a-z]+", bare) if w in vocabulary and w not in columns
    }


def a_blocked_listing(catalog, model_dir) -> str:
    """A listing with blockers and fixes: the card's every part is written."""
    from ranking.engines.outputs import score_table

    table, _ = score_table(catalog, model_dir)
    blocked = table[table["blockers"].str.contains(";")]
    return str(blocked["listing_id"].iloc[0])


def test_commands_write_chinese_with_lang_zh(run_cli, market_files, model_dir, shifted):

    catalog, ranks = str(market_files["catalog"]), str(market_files["ranks"])
    model = ["--model", str(model_dir)]
    blocked = a_blocked_listing(catalog, model_dir)
    views = {
        "audit": ["audit", catalog, blocked, "--ranks", ranks, *model],
        "evaluate": ["evaluate", catalog, "--ranks", ranks, *model],
        "diff": ["diff", catalog, str(shifted), *model],
        "check": ["check", str(market_files["backoffice"])],
    }
    for name, args in views.items():
        zh = run_cli(*args, "--lang", "zh")
        en = run_cli(*args, "--lang", "en")
        assert zh.exit_code == 0 and en.exit_code == 0, (name, zh.output)
        assert CJK.search(zh.stdout), name
        assert english_words(en.stdout), f"{name}: the check finds English"
        assert not english_words(zh.stdout), (name, english_words(zh.stdout))
        assert not english_words(zh.stderr), (name, english_words(zh.stderr))


def test_lang_defaults_from_the_locale(run_cli, market_files, model_dir, monkeypatch):

    catalog, ranks = str(market_files["catalog"]), str(market_files["ranks"])
    args = ["evaluate", catalog, "--ranks", ranks, "--model", str(model_dir)]
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    assert "关键词组" in run_cli(*args).stdout
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert "keyword groups" in run_cli(*args).stdout


def test_audit_json_keeps_english_keys_and_factor_names(
    run_cli, market_files, model_dir
):

    catalog = str(market_files["catalog"])
    blocked = a_blocked_listing(catalog, model_dir)
    args = ["audit", catalog, blocked, "--model", str(model_dir), "--format", "json"]
    report = json.loads(run_cli(*args, "--lang", "zh").stdout)
    assert {f["factor"] for f in report["factors"]} == set(FACTORS)
    assert report["fixes"], "the sample listing has fixes"
    # JSON is for programs: its sentences are English whatever --lang says
    # (issue 23); the text view is where --lang speaks.
    english = json.loads(run_cli(*args, "--lang", "en").stdout)
    assert [f["action"] for f in report["fixes"]] == [
        f["action"] for f in english["fixes"]
    ]


@pytest.fixture(scope="module")
def dropped(market_files, tmp_path_factory):
    """The catalog a week later with two listings' own signals fallen: a
    shop DSR, a main video (two unusual drops for diff to explain)."""
    new = pd.read_csv(market_files["catalog"], dtype={"listing_id": str})
    new.loc[int((new["dsr_service"] >= 4.8).idxmax()), "dsr_service"] = 4.3
    new.loc[int((new["has_main_video"] == 1).idxmax()), "has_main_video"] = 0
    path = tmp_path_factory.mktemp("dropped") / "new.csv"
    new.to_csv(path, index=False)
    return path


def test_diff_json_is_the_same_whatever_lang_and_its_table_speaks_lang(
    run_cli, market_files, model_dir, dropped, tmp_path
):
    catalog = str(market_files["catalog"])
    args = ["diff", catalog, str(dropped), "--model", str(model_dir)]
    zh = run_cli(*args, "--format", "json", "--lang", "zh")
    en = run_cli(*args, "--format", "json", "--lang", "en")
    assert zh.exit_code == 0, zh.output
    assert zh.stdout == en.stdout
    reasons = [d["reason"] for d in json.loads(en.stdout)["drops"]]
    assert reasons and not any(CJK.search(r) for r in reasons)
    # The -o table is for people: its reasons follow --lang.
    table = tmp_path / "diff.csv"
    assert run_cli(*args, "-o", table, "--lang", "zh").exit_code == 0
    written = pd.read_csv(table, dtype={"listing_id": str})
    said = written.loc[written["flagged"], "reason"]
    assert len(said) == len(reasons)
    assert said.map(lambda r: bool(CJK.search(r))).all()


def test_train_writes_its_card_in_lang(run_cli, market_files, tmp_path):
    catalog, ranks = str(market_files["catalog"]), str(market_files["ranks"])
    cards = {}
    for code in ("zh", "en"):
        out = tmp_path / code
        done = run_cli("train", catalog, "--ranks", ranks, "-o", out, "--lang", code)
        assert done.exit_code == 0, done.output
        cards[code] = (out / "card.txt").read_text(encoding="utf-8")
        # The card's blocker lines are the ones train printed.
        blocker_line = next(
            line for line in cards[code].splitlines() if "dsr_min_gap  (" in line
        )
        assert blocker_line.strip() in done.stdout
    # Every heading and verdict in Chinese; names, paths and numbers as they are.
    for english, chinese in [
        (lang.say(key, "en"), lang.say(key, "zh"))
        for key in (
            "train.blockers",
            "card.features",
            "card.versions",
            "card.increasing",
        )
    ]:
        assert chinese in cards["zh"] and english not in cards["zh"]
        assert english in cards["en"]
    assert "blockers learned" in cards["en"] and not CJK.search(cards["en"])


def test_every_json_output_is_the_same_whatever_lang(
    run_cli, market_files, model_dir, shifted, dropped, tmp_path
):
    catalog, ranks = str(market_files["catalog"]), str(market_files["ranks"])
    model = ["--model", str(model_dir)]
    blocked = a_blocked_listing(catalog, model_dir)
    commands = {
        "check": ["check", str(market_files["backoffice"])],
        "evaluate": ["evaluate", catalog, "--ranks", ranks, *model],
        "audit": ["audit", str(shifted), blocked, "--ranks", ranks, *model],
        "diff": ["diff", catalog, str(dropped), *model],
        "train": ["train", catalog, "--ranks", ranks, "-o", tmp_path / "m"],
    }
    for name, args in commands.items():
        said = {
            code: run_cli(*args, "--format", "json", "--lang", code)
            for code in ("zh", "en")
        }
        assert said["en"].exit_code == 0, (name, said["en"].output)
        assert said["zh"].stdout == said["en"].stdout, name
