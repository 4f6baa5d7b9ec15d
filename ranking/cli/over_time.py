"""The commands that compare exports over time: ``diff`` (two exports),
``history`` (many) and ``report`` (one page, with ``--old`` and
``--history``). Registered on the ``ranking`` group by
:mod:`ranking.cli`; like every command they parse, call one library
function and print."""

from __future__ import annotations

from pathlib import Path

import click

from ranking.cli.options import (
    EXPORT,
    RANKS_HELP,
    echo_json,
    effort_table,
    exports_argument,
    format_option,
    images_root_option,
    lang_option,
    model_option,
    sets_option,
    show,
    user_errors,
    warn_drift,
)
from ranking.present import render, render_history
from ranking.present.lang import say


@click.command()
@click.argument("old_export", type=EXPORT)
@click.argument("new_export", type=EXPORT)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="One row per listing: .csv, .parquet or .xlsx.",
)
@model_option
@click.option(
    "--old-model",
    "old_model_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The model OLD_EXPORT was scored with, when it differs: the change "
    "is also split between the data and the refit (part_model).",
)
@click.option("--ranks", type=EXPORT, help=RANKS_HELP + " The new period's ranks.")
@sets_option("Give every listing of both exports this value (repeatable).")
@images_root_option
@format_option
@lang_option
@user_errors
def diff(
    old_export: Path,
    new_export: Path,
    output: Path | None,
    model_dir: Path,
    old_model_dir: Path | None,
    ranks: Path | None,
    sets: tuple[str, ...],
    images_root: Path | None,
    output_format: str,
    lang: str,
) -> None:
    """Why did it drop? Compare two exports of one catalog.

    Each listing's weight change is split across the factors (the parts add
    up to the change); drops owed to signals that moved far more than their
    category's usual week are flagged, with the main factor, the signals
    behind it and what reverting them wins back.

    \b
    Example:
      ranking diff last_week.csv this_week.csv -o changes.xlsx
      ranking diff last_week.csv this_week.csv --ranks ranks_this_week.csv
    """
    from ranking.explain.diff import diff as compare
    from ranking.present.tables import Reasons

    result = compare(
        old_export,
        new_export,
        model_dir,
        output=output,
        sets=sets,
        old_model_dir=old_model_dir,
        ranks_path=ranks,
        images_root=images_root,
        view=Reasons(lang),
    )
    result.pop("table")
    show(result, output_format, render.render_diff, lang, model_dir)


@click.command()
@click.argument("exports", nargs=-1, required=True, type=EXPORT)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="One row per listing per export after the first: .csv, .parquet or .xlsx.",
)
@model_option
@click.option(
    "--ranks",
    type=EXPORT,
    help=RANKS_HELP + " The last export's ranks: positions lost per keyword.",
)
@sets_option("Give every listing of every export this value (repeatable).")
@images_root_option
@format_option
@lang_option
@user_errors
def history(
    exports: tuple[Path, ...],
    output: Path | None,
    model_dir: Path,
    ranks: Path | None,
    sets: tuple[str, ...],
    images_root: Path | None,
    output_format: str,
    lang: str,
) -> None:
    """Watch a catalog over many exports: sudden drops in the step they
    happened, slow leaks no single step shows, and who lost most.

    EXPORTS in time order, or one folder (or quoted glob) of them, sorted by
    the date in each file's name, else by name. Each export is prepared
    once and cached: a re-run with one more day prepares only that day.

    \b
    Example:
      ranking history day1.csv day2.csv day3.csv -o history.csv
      ranking history exports/ --format json
    """
    from ranking.explain.history import history_of

    result = history_of(
        exports,
        model_dir,
        sets=sets,
        images_root=images_root,
        output=output,
        ranks_path=ranks,
        keep_table=False,
    )
    if output_format == "json":
        echo_json(result.to_dict())
    else:
        click.echo(render_history.render_history(result.to_dict(), lang))


@click.command()
@exports_argument
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The report: one HTML file that opens offline.",
)
@model_option
@click.option("--ranks", type=EXPORT, help=RANKS_HELP + " Adds ranks per keyword.")
@click.option(
    "--listing",
    "listings",
    multiple=True,
    metavar="ID",
    help="A listing to explain (repeatable); default: the weakest.",
)
@click.option(
    "--old",
    type=EXPORT,
    help="An older export of the catalog: adds its unusual drops (as `diff`).",
)
@click.option(
    "--history",
    "history_exports",
    multiple=True,
    type=EXPORT,
    metavar="EXPORT",
    help="Exports over time (repeat it, or one folder of them): adds the "
    "catalog's median weight over time and a sparkline per flagged listing "
    "(as `history`).",
)
@click.option(
    "--effort",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Effort per factor (JSON or CSV factor,effort) the cards' plans to "
    "reach the top 10 are least in (as audit --target-rank's).",
)
@images_root_option
@lang_option
@user_errors
def report(
    export: tuple[Path, ...],
    sets: tuple[str, ...],
    output: Path,
    model_dir: Path,
    ranks: Path | None,
    listings: tuple[str, ...],
    old: Path | None,
    history_exports: tuple[Path, ...],
    effort: Path | None,
    images_root: Path | None,
    lang: str,
) -> None:
    """Write a report to open in a browser: the catalog, the weakest
    listings explained, drops since an older export, and the model.

    \b
    Example:
      ranking report catalog.csv -o report.html --ranks ranks.csv
      ranking report this_week.csv -o report.html --old last_week.csv --lang zh
      ranking report day30.csv -o report.html --history exports/
    """
    from ranking.present.report import report as write_report

    summary = write_report(
        export,
        output,
        model_dir,
        ranks_path=ranks,
        listings=listings,
        old=old,
        sets=sets,
        lang=lang,
        images_root=images_root,
        history=history_exports,
        effort=effort_table(effort),
    )
    size = f"{summary['bytes'] / 1e6:.2f} MB"
    click.echo(
        say(
            "report.written",
            lang,
            listings=summary["listings"],
            size=size,
            path=summary["output"],
        )
    )
    warn_drift(summary["drift"], model_dir, lang)
