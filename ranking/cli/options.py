"""What every command shares: its options and arguments, the one-line
errors, JSON out, and the stale-model warning."""

from __future__ import annotations

import json
import warnings
from functools import wraps
from pathlib import Path

import click

from ranking.defaults import DEFAULT_MODEL
from ranking.errors import OutputWarning, RankingError
from ranking.present.lang import default_language, in_language


class UserError(click.ClickException):
    """A problem with the user's input: one line, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def worded(error: Exception, lang: str) -> str:
    """An error's (or a warning's) message in ``lang``: its
    :class:`~ranking.messages.Said` said again, any other message as it is."""
    message = error.args[0] if len(error.args) == 1 else str(error)
    return in_language(message, lang) if isinstance(message, str) else str(error)


def user_errors(command):
    """Turn the library's own errors into :class:`UserError`."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            # Ours are notes for the user; any other warning is shown as the
            # filters say (recording would otherwise swallow it).
            warnings.simplefilter("always", OutputWarning)
            # Worded in the command's --lang (the locale's language for a
            # command without one: sample-data's --lang is its data's).
            lang = (kwargs.get("lang") if wrapper.speaks_lang else None) or (
                default_language()
            )
            try:
                done = command(*args, **kwargs)
            except RankingError as error:
                raise UserError(worded(error, lang)) from None
        for warning in caught:
            if issubclass(warning.category, OutputWarning):
                click.echo(f"note: {worded(warning.message, lang)}", err=True)
            else:
                warnings.showwarning(
                    warning.message, warning.category, warning.filename, warning.lineno
                )
        return done

    wrapper.speaks_lang = False  # set by lang_option
    return wrapper


def format_option(command):
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Text for people, JSON for programs.",
    )(command)


def lang_option(command):
    """``--lang zh|en``: the language of what is written for people."""

    def from_locale() -> str:
        return default_language()

    command.speaks_lang = True  # its errors are worded in --lang
    return click.option(
        "--lang",
        type=click.Choice(["zh", "en"]),
        default=from_locale,
        show_default="from the locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG)",
        help="Language of the text for people; JSON keys and factor names stay "
        "English.",
    )(command)


def echo_json(payload: dict) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


EXPORT = click.Path(exists=False, dir_okay=True, path_type=Path)


def sets_option(help_text: str):
    """``--set COLUMN=VALUE`` (repeatable): a value every listing gets."""
    return click.option(
        "--set", "sets", multiple=True, metavar="COLUMN=VALUE", help=help_text
    )


def exports_argument(command):
    """EXPORT [EXPORT ...] joined on the listing id, and ``--set``."""
    command = sets_option(
        "Give every listing this value (repeatable), e.g. the shop's DSR: "
        "--set dsr_service=4.8."
    )(command)
    return click.argument("export", nargs=-1, required=True, type=EXPORT)(command)


RANKS_HELP = "Ranks file: listing_id, keyword, search_rank (>100, 未上榜 allowed)."
#: train and evaluate read the ranks from the export itself when it has them.
SEARCH_TABLE_HELP = (
    " Not needed when the export is a search table (keyword and position "
    "columns beside each listing's signals, as a search-page capture or a rank "
    "tracker writes): its own ranks are used."
)


def images_root_option(command):
    """``--images-root DIR``: where ``main_image`` files may be read besides
    the export's own folder (which alone is read by default)."""
    return click.option(
        "--images-root",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="A folder main_image files may also be read from (default: only "
        "the export's folder; paths still start there), e.g. "
        "--images-root /data/photos.",
    )(command)


def model_option(command):
    return click.option(
        "--model",
        "model_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_MODEL,
        show_default="the model shipped inside the package",
        help="Model directory written by `ranking train`.",
    )(command)


def _engine_given(ctx: click.Context, param, value):
    """``--scheduler`` only with ``--engine dask``: checked by whichever of
    the two options is read last, so their order does not matter and a bad
    ``--engine`` beside ``--help`` still shows the help."""
    ctx.meta.setdefault("ranking.engine", {})[param.name] = value
    given = ctx.meta["ranking.engine"]
    both = "engine" in given and "scheduler" in given
    if both and given["scheduler"] is not None and given["engine"] != "dask":
        raise click.UsageError("--scheduler needs --engine dask", ctx)
    return value


def engine_options(work: str):
    """``--engine`` and ``--scheduler``, for a command that ``work``s."""

    def options(command):
        command = click.option(
            "--scheduler",
            metavar="ADDRESS",
            callback=_engine_given,
            help="The Dask scheduler to use, e.g. tcp://10.0.0.5:8786 (default: "
            "a local cluster, one worker per core).",
        )(command)
        return click.option(
            "--engine",
            type=click.Choice(["local", "dask"]),
            default="local",
            show_default=True,
            callback=_engine_given,
            help=f"{work.capitalize()} here, or on a Dask cluster (pip install "
            "'ranking[dask]'): one partition per file of a folder or glob export.",
        )(command)

    return options


def ordering_options(command):
    command = click.option(
        "--effort",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Effort per factor (JSON or CSV factor,effort) for --by gain-per-effort.",
    )(command)
    return click.option(
        "--by",
        type=click.Choice(["gain", "gain-per-effort"]),
        default="gain",
        show_default=True,
        help="Order fixes by expected gain, or by gain per unit of effort.",
    )(command)


def warn_drift(shifts: list[dict], model_dir: Path, lang: str) -> None:
    """The stale-model warning, on stderr (see ranking.model.drift), and the one
    line naming the signals not in this export."""
    from ranking.model.drift import absent_note, message

    for line in message(shifts, str(model_dir)):
        click.echo(in_language(line, lang), err=True)
    if note := absent_note(shifts):
        click.echo(in_language(note, lang), err=True)


def effort_table(path: Path | None):
    from ranking.explain.effort import load_effort

    return load_effort(path) if path else None


def show(result: dict, output_format: str, view, lang: str, model_dir) -> None:
    """A command's result as JSON or through its text ``view``, then the
    stale-model warning on stderr."""
    if output_format == "json":
        echo_json(result)
    else:
        click.echo(view(result, lang))
    warn_drift(result["drift"], model_dir, lang)
