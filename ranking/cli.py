"""The ``ranking`` command line: parse, call one library function, print.

Errors raised on purpose by the library (:class:`ranking.errors.RankingError`)
become one line on stderr and exit status 2; nothing else is caught, so a bug
still shows its traceback.
"""

from __future__ import annotations

import json
from functools import wraps
from pathlib import Path

import click

from ranking import export as export_mod
from ranking import render
from ranking.errors import RankingError
from ranking.simulate import simulate


class UserError(click.ClickException):
    """A problem with the user's input: one line, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def user_errors(command):
    """Turn the library's own errors into :class:`UserError`."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except RankingError as error:
            raise UserError(str(error)) from None

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


def echo_json(payload: dict) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


EXPORT = click.Path(exists=False, dir_okay=True, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ranking")
def cli() -> None:
    """Score the search weight of e-commerce listings and say what to fix first.

    \b
    Start with:
      ranking sample-data -o sample/
      ranking check sample/catalog.csv
    """


@cli.command()
@click.argument("export", type=EXPORT)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write rejected rows, with reject_reason, to this file.",
)
@click.option("--strict", is_flag=True, help="Fail if any row is rejected.")
@format_option
@user_errors
def check(export: Path, rejects: Path | None, strict: bool, output_format: str) -> None:
    """Read and validate an export without scoring it.

    Shows which header became which column, which signals are unknown, and
    which rows were rejected and why.

    \b
    Example:
      ranking check 生意参谋导出.xlsx --rejects rejects.csv
    """
    summary = export_mod.check_export(export, rejects_path=rejects, strict=strict)
    if output_format == "json":
        echo_json(summary)
    else:
        click.echo(render.render_check(summary))
    if summary["rejects"]:
        where = f"; reasons in {rejects}" if rejects else " (--rejects FILE keeps them)"
        click.echo(f"{summary['rejects']} row(s) rejected{where}", err=True)


@cli.command("sample-data")
@click.option(
    "-o",
    "--output",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write catalog.csv, ranks.csv, truth.csv, market.json.",
)
@click.option(
    "--listings",
    default=3000,
    show_default=True,
    type=click.IntRange(min=20),
    help="Listings in the catalog.",
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=int,
    help="Random seed; the same seed gives the same market.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of titles and categories.",
)
@click.option(
    "--backoffice",
    is_flag=True,
    help="Also write catalog_backoffice.csv: Chinese headers, GB18030, "
    "1.2万-style numbers, as 生意参谋 exports look.",
)
@user_errors
def sample_data(
    folder: Path, listings: int, seed: int, lang: str, backoffice: bool
) -> None:
    """Write a simulated marketplace: a catalog, observed ranks, and the truth.

    \b
    Example:
      ranking sample-data -o sample/ --listings 5000 --seed 7 --lang en
    """
    paths = simulate(listings, seed=seed, lang=lang).save(folder, backoffice)
    for name, path in paths.items():
        click.echo(f"{name:8} {path}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ranking")
