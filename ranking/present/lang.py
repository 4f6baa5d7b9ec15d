"""Choosing a language, at the edge: every view (terminal text, HTML, xlsx
headers) words :mod:`ranking.messages`' keys and :class:`~ranking.messages.Said`
messages here, in Chinese or English.

Everything a command writes for a person — the audit card, ``check``,
``diff``, ``evaluate``, ``train``, the report, the Excel headers ``score``
adds, the drift warning, fix actions and blocker messages — is looked up by
key, so a sentence exists in both languages or in neither (a test walks the
table).

>>> say("audit.no_fix", "zh")
'没有能提升这个商品权重的修复'
>>> factor_word("main_video", "zh"), factor_word("main_video", "en")
('主图视频', 'main_video')
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ranking.messages import CHINESE, ENGLISH, TEXT, Said, worded

LANGUAGES = ("zh", "en")

#: Where the language is read from, first set wins: GNU gettext's order, as
#: Python's ``gettext.find`` reads it.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def default_language(environ: Mapping[str, str] = os.environ) -> str:
    """``zh`` when the locale is Chinese (``zh_CN.UTF-8``, ``zh_TW``, ...),
    else ``en``.

    >>> default_language({"LANG": "zh_CN.UTF-8"}), default_language({})
    ('zh', 'en')
    >>> default_language({"LANGUAGE": "en_US:zh_CN", "LANG": "zh_CN.UTF-8"})
    'en'
    """
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            first = value.split(":")[0].lower()
            return "zh" if first.startswith("zh") else "en"
    return "en"


def in_language(text: str, lang: str) -> str:
    """``text`` in ``lang`` when it is :class:`Said` (its ``Said`` fields
    too), else as it is.

    >>> from ranking.messages import named
    >>> in_language(named("signal", "dsr_service"), "zh")
    '服务态度'
    """
    if not isinstance(text, Said):
        return str(text)
    return worded(text.key, text.fields, _column(lang))


def say(key: str, lang: str, /, **fields) -> str:
    """The text of ``key`` in ``lang``, its ``{fields}`` filled.

    >>> say("diff.more", "en", count=1200, where="out.csv")
    '… and 1,200 more in out.csv'
    """
    return worded(key, fields, _column(lang))


def template(key: str, lang: str) -> str:
    """The text of ``key`` in ``lang`` with its ``{fields}`` unfilled (for a
    script in the page that fills them).

    >>> template("whatif.today", "en") == TEXT["whatif.today"][0]
    True
    """
    return TEXT[key][_column(lang)]


def _column(lang: str) -> int:
    return CHINESE if lang == "zh" else ENGLISH


def factor_word(factor: str, lang: str) -> str:
    """A factor as a person reads it: its name in English (as in the JSON
    and the output columns), its operators' word in Chinese."""
    return say(f"factor.{factor}", lang) if f"factor.{factor}" in TEXT else factor


def signal_word(name: str, lang: str) -> str:
    """A canonical signal column as its export header reads in ``lang``."""
    return say(f"signal.{name}", lang) if f"signal.{name}" in TEXT else name


def fix_words(factor: str, lang: str) -> str:
    """A factor's fix in plain words (``""`` for no fix)."""
    return say(f"fix.{factor}", lang) if factor else ""


__all__ = [
    "LANGUAGES",
    "TEXT",
    "Said",
    "default_language",
    "factor_word",
    "fix_words",
    "in_language",
    "say",
    "signal_word",
    "template",
]
