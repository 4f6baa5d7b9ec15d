"""The ``ranking`` command line: parse, call one library function, print.

Errors raised on purpose by the library (:class:`ranking.errors.RankingError`)
become one line on stderr and exit status 2; nothing else is caught, so a bug
still shows its traceback.
"""

from __future__ import annotations

import gc
import sys
from functools import partial
from pathlib import Path

import click

from ranking.cli import over_time
from ranking.cli.options import (
    EXPORT,
    RANKS_HELP,
    SEARCH_TABLE_HELP,
    echo_json,
    effort_table,
    engine_options,
    exports_argument,
    format_option,
    images_root_option,
    lang_option,
    model_option,
    ordering_options,
    show,
    user_errors,
    warn_drift,
)
from ranking.present import render, render_plan
from ranking.present.lang import in_language, say


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
@exports_argument
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write rejected rows, with reject_reason, to this file.",
)
@click.option("--strict", is_flag=True, help="Fail if any row is rejected.")
@format_option
@lang_option
@user_errors
def check(
    export: tuple[Path, ...],
    sets: tuple[str, ...],
    rejects: Path | None,
    strict: bool,
    output_format: str,
    lang: str,
) -> None:
    """Read and validate exports without scoring them.

    Shows which header became which column, which signals are unknown, and
    which rows were rejected and why. Several exports are joined on the
    listing id, each file's coverage shown.

    \b
    Example:
      ranking check 生意参谋导出.xlsx --rejects rejects.csv
      ranking check 商品_全部.xls items.csv --set dsr_service=4.8
    """
    from ranking.present.tables import ForPeople  # pandas loads only when used
    from ranking.reading.check import check_export

    summary = check_export(
        export,
        rejects_path=rejects,
        strict=strict,
        sets=sets,
        view=ForPeople(lang).rejects,
    )
    if output_format == "json":
        echo_json(summary)
    else:
        click.echo(render.render_check(summary, lang))
    if summary["rejects"]:
        count = summary["rejects"]
        told = say("check.rejects_told", lang, count=count, file=rejects)
        click.echo(
            told if rejects else say("check.rejects_untold", lang, count=count),
            err=True,
        )


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
@click.option(
    "--next-week",
    is_flag=True,
    help="Also write catalog_next_week.csv (every listing drifted, 20 had an "
    "incident, listed in incidents_next_week.csv): try `ranking diff` on it.",
)
@user_errors
def sample_data(
    folder: Path, listings: int, seed: int, lang: str, backoffice: bool, next_week: bool
) -> None:
    """Write a simulated marketplace: a catalog, observed ranks, and the truth.

    \b
    Example:
      ranking sample-data -o sample/ --listings 5000 --seed 7 --lang en
    """
    from ranking.sim import simulate

    market = simulate(listings, seed=seed, lang=lang)
    paths = market.save(folder, backoffice, week_after=next_week)
    for name, path in paths.items():
        click.echo(f"{name:8} {path}")


@cli.command()
@exports_argument
@click.option(
    "--ranks",
    type=EXPORT,
    help=RANKS_HELP + SEARCH_TABLE_HELP + " Else search_visitors is used.",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Model directory to write (replaced whole if it exists).",
)
@click.option(
    "--baseline",
    type=click.Path(file_okay=False, path_type=Path),
    help="A model in use, to compare with on the same held-out data.",
)
@click.option(
    "--seed", default=0, show_default=True, type=int, help="Seed of the held-out split."
)
@engine_options("build features")
@images_root_option
@format_option
@lang_option
@user_errors
def train(
    export: tuple[Path, ...],
    sets: tuple[str, ...],
    ranks: Path | None,
    output: Path,
    baseline: Path | None,
    seed: int,
    engine: str,
    scheduler: str | None,
    images_root: Path | None,
    output_format: str,
    lang: str,
) -> None:
    """Learn listing weight from observed ranks (or search visitors).

    Holds out whole keyword groups, prints NDCG@10 and Spearman against the
    monthly-sales ordering, and writes the model with its card. A search
    table (keyword and position columns beside the signals) is its own ranks.

    \b
    Example:
      ranking train catalog.csv --ranks ranks.csv -o models/2026-11
      ranking train search_pages.csv -o models/from-search
      ranking train new.csv --ranks r.csv -o models/new --baseline models/2026-11
      ranking train exports/ --ranks r.csv -o models/new --engine dask
    """
    from ranking.engines import training  # scipy and scikit-learn load only when used

    result = training.train(
        export,
        ranks,
        output,
        baseline=baseline,
        seed=seed,
        sets=sets,
        engine=engine,
        scheduler=scheduler,
        images_root=images_root,
        words=partial(in_language, lang=lang),
    )
    if output_format == "json":
        echo_json(
            {
                "metrics": result.metrics,
                "comparison": result.comparison,
                "blockers": result.card["blockers"],
                "blockers_not_in_every_fold": result.card["blockers_not_in_every_fold"],
                "model": str(output),
            }
        )
        return
    click.echo(render.render_metrics(result.metrics, result.card, lang))
    if result.comparison:
        click.echo(render.render_comparison(result.comparison, lang))
    click.echo(say("train.written", lang, path=output))


@cli.command()
@exports_argument
@click.option("--ranks", type=EXPORT, help=RANKS_HELP + SEARCH_TABLE_HELP)
@model_option
@images_root_option
@format_option
@lang_option
@user_errors
def evaluate(
    export: tuple[Path, ...],
    sets: tuple[str, ...],
    ranks: Path | None,
    model_dir: Path,
    images_root: Path | None,
    output_format: str,
    lang: str,
) -> None:
    """Score a model against observed ranks, beside ordering by monthly sales.

    \b
    Example:
      ranking evaluate catalog.csv --ranks ranks.csv --format json
      ranking evaluate search_pages.csv --model models/from-search
    """
    from ranking.engines import training

    report = training.evaluate_model(
        export, ranks, model_dir, sets=sets, images_root=images_root
    )
    if output_format == "json":
        echo_json(report)
    else:
        click.echo(render.render_evaluation(report, lang))


@cli.command()
@exports_argument
@click.argument("listing_id")
@model_option
@click.option("--ranks", type=EXPORT, help=RANKS_HELP + " Shows ranks after fixes.")
@click.option(
    "--what-if",
    "what_if",
    multiple=True,
    metavar="COLUMN=VALUE",
    help="Re-score with a raw value changed (repeatable); other columns "
    "stay as they are.",
)
@click.option(
    "--target-rank",
    type=click.IntRange(min=1),
    help="With --ranks: the least-effort set of fixes whose expected rank "
    "reaches this one (per keyword the listing was seen on; after any "
    "--what-if).",
)
@click.option("--keyword", help="With --target-rank: only this keyword.")
@ordering_options
@images_root_option
@format_option
@lang_option
@user_errors
def audit(
    export: tuple[Path, ...],
    sets: tuple[str, ...],
    listing_id: str,
    model_dir: Path,
    ranks: Path | None,
    what_if: tuple[str, ...],
    target_rank: int | None,
    keyword: str | None,
    by: str,
    effort: Path | None,
    images_root: Path | None,
    output_format: str,
    lang: str,
) -> None:
    """Show one listing's weight, blockers, factors and fixes, best first.

    \b
    Example:
      ranking audit catalog.csv 600123456789 --ranks ranks.csv
      ranking audit catalog.csv 600123456789 --what-if 主图视频=是
      ranking audit catalog.csv 600123456789 --ranks ranks.csv --target-rank 10
    """
    from ranking.explain.audit import audit as audit_listing
    from ranking.explain.plan import target_plan

    if target_rank is not None or keyword is not None:
        if target_rank is None or ranks is None:
            raise click.UsageError("--target-rank needs --ranks (and --keyword it)")
        result = target_plan(
            export,
            listing_id,
            ranks,
            target_rank,
            keyword,
            effort_table(effort),
            model_dir=model_dir,
            sets=sets,
            images_root=images_root,
            what_if=what_if,
        )
        show(result, output_format, render_plan.render_plan, lang, model_dir)
        return

    report = audit_listing(
        export,
        listing_id,
        model_dir,
        ranks_path=ranks,
        what_if=what_if,
        by=by,
        effort=effort_table(effort),
        sets=sets,
        images_root=images_root,
    )
    show(report, output_format, render.render_audit, lang, model_dir)


@cli.command()
@exports_argument
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Scored table: .csv, .parquet or .xlsx; a folder (a name without an "
    "extension) gets a parquet dataset.",
)
@model_option
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Rejected rows (default: OUTPUT's name + .rejects.csv).",
)
@click.option("--strict", is_flag=True, help="Fail if any row is rejected.")
@ordering_options
@engine_options("score")
@images_root_option
@lang_option
@user_errors
def score(
    export: tuple[Path, ...],
    sets: tuple[str, ...],
    output: Path,
    model_dir: Path,
    rejects: Path | None,
    strict: bool,
    by: str,
    effort: Path | None,
    engine: str,
    scheduler: str | None,
    images_root: Path | None,
    lang: str,
) -> None:
    """Score a whole catalog: weight, percentile, top fixes and blockers per row.

    An EXPORT may be a folder (or a quoted glob) of CSV/parquet files that
    are one export together.

    \b
    Example:
      ranking score catalog.xlsx -o scored.xlsx
      ranking score exports/ -o scored/ --engine dask --scheduler tcp://host:8786
    """
    from ranking.engines.local import score_catalog
    from ranking.present.tables import ForPeople

    stderr = sys.stderr
    summary = score_catalog(
        export,
        output,
        model_dir,
        rejects_path=rejects,
        strict=strict,
        by=by,
        effort=effort_table(effort),
        progress=_score_progress(stderr, lang),
        sets=sets,
        engine=engine,
        scheduler=scheduler,
        view=ForPeople(lang),
        images_root=images_root,
    )
    if stderr.isatty():
        click.echo("", file=stderr)
    click.echo(
        say(
            "score.done",
            lang,
            rows=summary["rows"],
            output=summary["output"],
            blocked=summary["blocked"],
        )
    )
    warn_drift(summary["drift"], model_dir, lang)
    if summary["rejects"] or summary.get("not_listings"):
        _echo_score_rejects(summary, lang)


def _score_progress(stderr, lang: str):
    """``score``'s progress callback: one line on a terminal, rewritten in
    place, counting the chunks written (nothing when not a terminal)."""
    chunks = 0

    def progress(step: str) -> None:
        nonlocal chunks
        if not stderr.isatty():
            return
        chunks += step == "chunk"
        shown = (
            say("score.progress_chunks", lang, count=chunks)
            if step == "chunk"
            else say("score.progress_step", lang, step=step)
        )
        line = say("score.progress", lang, shown=shown)
        click.echo(f"\r{line}   ", file=stderr, nl=False)

    return progress


def _echo_score_rejects(summary: dict, lang: str) -> None:
    """Tell on stderr how many rows ``score`` rejected and set aside as not
    listings, and the file they went to."""
    aside = summary.get("not_listings")
    click.echo(
        say(
            "score.rejects",
            lang,
            count=summary["rejects"],
            aside=say("score.aside", lang, count=aside) if aside else "",
            file=summary["rejects_file"],
        ),
        err=True,
    )


for command in (over_time.diff, over_time.history, over_time.report):
    cli.add_command(command)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="ranking")
    finally:
        # At exit Python collects garbage over every object still alive
        # (pandas, SciPy, scikit-learn and the data): 0.4-0.5 s after a first
        # audit of 100,000 listings. Frozen objects are skipped: 0.09 s.
        gc.freeze()
