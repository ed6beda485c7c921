"""The `newslink` command: index, search, facets, entity, reindex, kb.

Exit codes: 0 success; 1 the job ran but nothing could be done (nothing indexed,
`entity`/`kb lookup` of an unknown name); 2 bad usage or bad query (a search
filter naming an unknown entity too); 3 engine unavailable or locked;
4 knowledge base missing or broken.
"""
from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from newslink.indexer.kb import KBError
from newslink.indexer.schema import FACET_TYPES, UNLINKED_FACET_TYPES, parse_qid
from newslink.indexer.kb.build import KBDataError
from newslink.indexer.kb.loader import open_kb
from newslink.indexer.paths import kb_path, newslink_home

from . import __version__
from .engines import ENGINES, EngineError, check_index_name, open_engine
from .export import FORMATS
from .facets import HISTOGRAM_CHOICES, Param, filter_params, query_kwargs
from .query import MATCH_MODES, SORTS, QueryError
from .related import MIN_COUNT
from .render import count_of, render_related, render_facets, render_results, render_table
from .service import NewsLink

EXIT_EMPTY, EXIT_USAGE, EXIT_ENGINE, EXIT_KB = 1, 2, 3, 4
OVERSUBSCRIBE = 2  # `index --workers N` keeps at most this many workers per CPU


class Context:
    """Lazily opened engine and KB shared by the subcommands of one invocation."""

    def __init__(self, home: str | None, engine: str | None, index: str | None, es_url: str | None) -> None:
        if home:
            os.environ["NEWSLINK_HOME"] = home
        self.engine_name = engine
        self.index = index
        self.es_url = es_url
        self._engine = None
        self._kb = None

    @property
    def kb(self):
        if self._kb is None:
            try:
                self._kb = open_kb()
            except (KBError, KBDataError) as exc:
                fail(str(exc), EXIT_KB)
        return self._kb

    @property
    def engine(self):
        if self._engine is None:
            try:
                self._engine = open_engine(self.engine_name, index=self.index, url=self.es_url)
            except EngineError as exc:
                fail(str(exc), EXIT_ENGINE)
        return self._engine

    def app(self) -> NewsLink:
        return NewsLink(self.engine, self.kb)

    def close(self) -> None:
        if self._engine is not None:
            try:
                self._engine.close()
            except EngineError as exc:  # its last commit failed (a full disk): one line, not a traceback
                fail(str(exc), EXIT_ENGINE)


def fail(message: str, code: int) -> None:
    click.echo(f"newslink: error: {message}", err=True)
    sys.exit(code)


def warn(message: str) -> None:
    click.echo(f"newslink: warning: {message}", err=True)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def color_on() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


class NewslinkGroup(click.Group):
    """Turns an engine or KB failure met in the middle of any command into its
    exit code and one clear line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EngineError as exc:
            fail(str(exc), EXIT_ENGINE)
        except (KBError, KBDataError) as exc:
            fail(str(exc), EXIT_KB)


def usable_home(value: str | None) -> str | None:
    """``--home``/``NEWSLINK_HOME``: a folder this user can write (created if missing), else exit 2."""
    if not value:
        return None
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise click.BadParameter(f"{value} is not a folder", param_hint="'--home'")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.BadParameter(f"cannot use {value} as the data directory: {exc.strerror or exc}", param_hint="'--home'") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise click.BadParameter(f"{value} is not writable by this user", param_hint="'--home'")
    return str(path)


def valid_index_name(value: str | None) -> str | None:
    """``--index``/``NEWSLINK_INDEX``: a name that stays inside the data directory and is valid on Elasticsearch."""
    if value is None:
        return None
    try:
        return check_index_name(value)
    except EngineError as exc:
        raise click.BadParameter(str(exc), param_hint="'--index'") from exc


@click.group(cls=NewslinkGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="newslink")
@click.option("--home", envvar="NEWSLINK_HOME", callback=lambda _c, _p, v: usable_home(v), help="Data directory (default: per-user data dir) [env NEWSLINK_HOME].")
@click.option("--engine", type=click.Choice(ENGINES), default=None, help="Search engine [env NEWSLINK_ENGINE; default embedded].")
@click.option("--index", "index_name", envvar="NEWSLINK_INDEX", default=None, callback=lambda _c, _p, v: valid_index_name(v), help="Index name: lowercase letters, digits, '-', '_' [env NEWSLINK_INDEX; default articles].")
@click.option("--es-url", default=None, help="Elasticsearch/OpenSearch URL [env NEWSLINK_ES_URL].")
@click.pass_context
def cli(ctx: click.Context, home: str | None, engine: str | None, index_name: str | None, es_url: str | None) -> None:
    """Entity-linked news search: index articles, link entities to Wikidata, search by facets."""
    ctx.obj = Context(home, engine, index_name, es_url)
    ctx.call_on_close(ctx.obj.close)


# --------------------------------------------------------------------------- index
@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--workers", type=click.IntRange(min=1), default=None, help="spaCy processes; up to twice the CPUs (with a warning: they share them) (default: up to 2, as many as the job gives a few batches each).")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True, help="Articles per spaCy batch.")
@click.option("--errors", "errors_file", type=click.Path(dir_okay=False, writable=True), help="Write rejected records with their reasons to this JSONL file (a dead letter: fix the records in it, then index it). Never one of PATHS.")
@click.option("--commit-every", type=click.IntRange(min=1), default=2000, show_default=True, help="Commit after this many articles: a crash loses at most this much work (rerun to finish).")
@click.option("--force", is_flag=True, help="Parse and index every article, also those already indexed unchanged with the same KB version (skipped by default).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal only).")
@click.option("--online", is_flag=True, expose_value=False, callback=lambda ctx, _p, v: ctx.meta.__setitem__("newslink.online", v), help="Look names the KB cannot resolve up on Wikidata (cached next to the KB; off by default).")
@click.pass_obj
def index(obj: Context, paths: tuple[str, ...], workers: int | None, batch_size: int, errors_file: str | None, commit_every: int, force: bool, as_json: bool, progress: bool | None) -> None:
    """Read articles from PATHS (JSONL, CSV, TXT files or folders), link entities, index them.

    An article already indexed under its id with the same content and KB version is
    skipped without parsing (--force re-does it); the summary counts new, changed
    and unchanged articles."""
    from newslink.indexer.deadletter import DeadLetterFile, input_named
    from newslink.indexer.pipeline import EntityPipeline, IndexSummary, run_index
    from newslink.indexer.processes import available_cpus
    from newslink.indexer.readers import ByteMeter, read_paths

    from .progress import Progress

    if errors_file and (same := input_named(errors_file, paths)) is not None:
        fail(f"--errors {errors_file} is also an input ({same}): it would be overwritten while it is read; write the errors to another file", EXIT_USAGE)
    cpus = available_cpus()
    if workers is not None and workers > cpus:
        # Up to twice the CPUs is kept (a scale-up is measured oversubscribed, bench/index_throughput.py
        # --workers-list); more would only multiply the memory (~650 MiB a worker): bounded.
        most = OVERSUBSCRIBE * cpus
        warn(f"--workers {workers} is more than the {cpus} CPUs this job can use: "
             + (f"using {most}" if workers > most else "the workers will share them"))
        workers = min(workers, most)
    show = sys.stderr.isatty() if progress is None else progress
    skip = [errors_file] if errors_file else []
    meter = ByteMeter.of(paths, skip=skip)  # progress and ETA by bytes read: the input is read once
    kb = obj.kb
    engine = obj.engine
    lock = getattr(engine, "lock_for_writing", None)
    if lock is not None:
        try:  # before any work: a second job on the same index fails now, not minutes later
            lock()
        except EngineError as exc:
            fail(str(exc), EXIT_ENGINE)
    try:
        dead_letter = DeadLetterFile(errors_file) if errors_file else None
    except OSError as exc:
        fail(f"cannot write the errors file: {exc}", EXIT_USAGE)

    def on_problem(problem) -> None:
        bar.write(str(problem))
        if dead_letter is not None and problem.fatal:
            dead_letter.add(problem)
        problem.raw = problem.record = None  # reported: do not hold every bad record in memory

    summary = IndexSummary()

    def stopped(reason: str) -> None:
        """One line for a job that could not finish, with what it did keep."""
        fail(
            f"{reason}; {count_of(summary.committed, 'article')} of this job committed and kept "
            f"({summary.indexed:,} written, {summary.skipped:,} skipped). Rerun the same command to finish: ids are stable, nothing is duplicated",
            EXIT_ENGINE,
        )

    done = 0

    def on_progress(n: int) -> None:
        nonlocal done
        done += n
        bar.note(f"{done:,} articles")
        bar.advance_to(meter.position)

    with Progress(total=meter.total or None, enabled=show, unit="B") as bar:
        # --workers N: N processes; by default up to 2, as many as the job is worth
        pipeline = EntityPipeline(kb, n_process=workers or min(2, cpus), batch_size=batch_size, fit_workers=workers is None)
        if click.get_current_context().meta.get("newslink.online"):
            attach_online(pipeline, kb)
            force = True  # it may link what the KB alone could not: articles indexed without it are re-done
        try:
            items = read_paths(paths, skip=skip, meter=meter)
            run_index(items, pipeline, engine, on_problem=on_problem, on_progress=on_progress, commit_every=commit_every, summary=summary, force=force)
        except EngineError as exc:
            stopped(str(exc))
        except OSError as exc:  # the disk is full (the errors file, a lock file)
            stopped(f"cannot write {exc.filename or 'a file'}: {exc.strerror or exc}")
        finally:
            if dead_letter is not None:
                try:
                    dead_letter.close()
                except OSError as exc:
                    warn(f"the errors file {errors_file} may be incomplete: {exc}")
    result = summary.to_dict()
    result["workers"] = pipeline.workers_used
    result["force"] = force
    result["index"] = engine.info()
    if as_json:
        emit_json(result)
    else:
        redone = " (re-done: --force)" if force and result["unchanged"] else " (not re-parsed)"
        click.echo(
            f"indexed {count_of(result['indexed'], 'article')} in {result['seconds']:.1f} s ({result['articles_per_second']:.1f}/s): "
            f"{result['new']:,} new, {result['changed']:,} changed; {result['unchanged']:,} unchanged{redone}; "
            f"skipped {result['skipped']:,}, warnings {result['warnings']:,}; "
            f"entities linked {result['entities_linked']:,} ({result['entities_per_article']} per article); "
            f"index now holds {count_of(result['index']['documents'], 'document')}"
        )
    if summary.indexed == 0 and summary.unchanged == 0:
        fail("nothing could be indexed", EXIT_EMPTY)


# --------------------------------------------------------------------------- search
class QueryCommand(click.Command):
    """A command whose query may hold ``-word`` exclusions outside the quotes.

    ``newslink search -trump`` (or ``iran -football``) is what people type; click
    would take ``-trump`` for an unknown option. Any single-dash word that is
    not one of the command's options, and not the value of an option, is taken
    out before click parses and added to the query; ``--`` still works too.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options = [p for p in self.params if isinstance(p, click.Option)]
        known = {o for p in options for o in (*p.opts, *p.secondary_opts)} | set(ctx.help_option_names)
        takes_value = {o for p in options if not p.is_flag and not p.count for o in p.opts}
        optional_value = {o for p in options if getattr(p, "_flag_needs_value", False) for o in p.opts}  # --histogram [month]
        words: list[str] = []
        rest: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                rest.extend(args[i:])
                break
            if arg in takes_value and i + 1 < len(args) and not (arg in optional_value and args[i + 1].startswith("-")):
                rest.extend(args[i:i + 2])
                i += 2
                continue
            if arg.startswith("-") and not arg.startswith("--") and len(arg) > 1 and arg not in known:
                words.append(arg)
            else:
                rest.append(arg)
            i += 1
        ctx.meta["newslink.exclusions"] = words
        return super().parse_args(ctx, rest)


def query_text(text: str) -> str:
    """The QUERY argument plus the ``-word`` exclusions :class:`QueryCommand` took out."""
    extra = click.get_current_context().meta.get("newslink.exclusions") or []
    return " ".join([text, *extra]).strip()


def _param_dest(param: Param) -> str:
    return f"filter_{param.name}"


def query_options(func):
    """Options shared by `search` and `facets`: one per facet filter parameter (from the
    facet registry), then the ones every query has."""
    func = click.option("--json", "as_json", is_flag=True, help="JSON output.")(func)
    func = click.option("--facet-size", type=int, default=10, show_default=True, help="Buckets per facet.")(func)
    func = click.option("--match", type=click.Choice(MATCH_MODES), default="any", show_default=True, help="Several values of one entity facet: any of them or all of them.")(func)
    for param in reversed(filter_params()):
        choice = click.Choice(param.choices) if param.choices else None
        func = click.option(param.option, _param_dest(param), type=choice, multiple=param.multiple, metavar=param.metavar, help=param.help)(func)
    return func


def build_query(obj: Context, text: str, kw: dict[str, Any], **extra: Any):
    app = obj.app()
    values = {p.name: kw.pop(_param_dest(p)) for p in filter_params()}
    try:
        query = app.build_query(
            text=query_text(text),
            match=kw.pop("match"),
            facet_size=kw.pop("facet_size"),
            **query_kwargs(values),
            **extra,
        )
    except QueryError as exc:
        fail(str(exc), EXIT_USAGE)
    for notice in query.notices:  # which entity a name was taken as, filters that may find nothing
        click.echo(f"newslink: {notice['level']}: {notice['message']}", err=True)
    return app, query


@cli.command(cls=QueryCommand)
@click.argument("query", required=False, default="")
@query_options
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--size", type=int, default=10, show_default=True)
@click.option("--no-highlight", is_flag=True, help="Plain snippets.")
@click.option("--histogram", type=click.Choice(HISTOGRAM_CHOICES), is_flag=False, flag_value="auto", default=None, help="Articles per day/week/month/year (chosen from the range when not given) as a bar chart; in --json under 'histogram'.")
@click.option("--all", "export_all", is_flag=True, help="Write every match to stdout (no paging cap), in id order, as --format.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="With --all: jsonl (one article a line) or csv (labels and QIDs per entity type).  [default: jsonl]")
@click.option("--progress/--no-progress", default=None, help="With --all: progress on stderr (default: on a terminal only).")
@click.pass_obj
def search(obj: Context, query: str, as_json: bool, sort: str, page: int, size: int, no_highlight: bool, histogram: str | None, export_all: bool, fmt: str | None, progress: bool | None, **kw: Any) -> None:
    """Keyword + entity-faceted search. QUERY supports "phrases", -exclusions and OR
    (a query may start with an exclusion: `newslink search -trump`)."""
    if export_all or fmt:
        if not export_all or as_json or histogram:
            fail("--format goes with --all; --all writes every match and takes no --json or --histogram", EXIT_USAGE)
        app, q = build_query(obj, query, kw, size=0, facets=())
        export_matches(app, q, fmt or "jsonl", sys.stderr.isatty() if progress is None else progress)
        return
    app, q = build_query(obj, query, kw, sort=sort, page=page, size=size, highlight=not no_highlight, histogram=histogram)
    try:
        results = app.search(q)
    except EngineError as exc:
        fail(str(exc), EXIT_ENGINE)
    if as_json:
        emit_json(results.to_dict())
    else:
        click.echo(render_results(results, color=color_on()))


def export_matches(app: NewsLink, query: Any, fmt: str, show: bool) -> None:
    """Stream every match to stdout; a closed pipe (``| head``) ends it quietly."""
    from .progress import Progress

    total, out = app.export(query, fmt, on_hit=lambda: bar.update(1))  # lazy: nothing read before the loop
    with Progress(total=total, enabled=show, unit="articles") as bar:
        try:
            for line in out:
                sys.stdout.write(line)
            sys.stdout.flush()
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
            sys.exit(0)


@cli.command(cls=QueryCommand)
@click.argument("query", required=False, default="")
@query_options
@click.option("--unlinked", is_flag=True, help="Only unlinked names (people, organisations, places the KB does not know), most frequent first: what to add to the KB.")
@click.pass_obj
def facets(obj: Context, query: str, as_json: bool, unlinked: bool, **kw: Any) -> None:
    """Top entities per facet type, of the whole index or of a query."""
    extra: dict[str, Any] = {"unlinked": True, "facets": UNLINKED_FACET_TYPES} if unlinked else {}
    app, q = build_query(obj, query, kw, size=0, **extra)
    try:
        results = app.search(q)
    except EngineError as exc:
        fail(str(exc), EXIT_ENGINE)
    if as_json:
        emit_json({"total": results.total, "facets": results.to_dict()["facets"], "query": results.query})
    else:
        click.echo(count_of(results.total, "article"))
        click.echo(render_facets(results.facets, color=color_on()))


@cli.command()
@click.argument("entity_ref", metavar="QID|NAME")
@click.argument("query", required=False, default="")
@query_options
@click.option("--type", "type_", type=click.Choice(FACET_TYPES), help="Entity type when QID|NAME is a name.")
@click.option("--min-count", type=click.IntRange(min=1), default=MIN_COUNT, show_default=True, help="Articles a co-occurring entity must share with it.")
@click.pass_obj
def related(obj: Context, entity_ref: str, query: str, as_json: bool, type_: str | None, min_count: int, **kw: Any) -> None:
    """Entities that appear with QID|NAME in the articles of QUERY and the filters, per
    type: shared articles, lift (× more often than in all the articles) and a significance
    score (JLH, as Elasticsearch's significant_terms), most significant first."""
    size = kw["facet_size"]
    app, q = build_query(obj, query, kw, size=0)
    try:
        found = app.find_entity(entity_ref, type_)
        data = app.related(q, found, size=size, min_count=min_count)
    except QueryError as exc:
        fail(exc.message if exc.param == "entity" else str(exc), EXIT_EMPTY if exc.param == "entity" else EXIT_USAGE)
    if as_json:
        emit_json(data)
    else:
        click.echo(render_related(data, color=color_on()))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def sources(obj: Context, as_json: bool) -> None:
    """Every source/outlet in the index with its article count (what --source takes, in any case)."""
    from .resolve import list_sources

    rows = list_sources(obj.engine)
    if as_json:
        emit_json([{"source": name, "articles": count} for name, count in rows])
    elif rows:
        click.echo(render_table([[name, f"{count:,}"] for name, count in rows], ["source", "articles"]))
    else:
        click.echo("no sources: no indexed article names one")


@cli.command()
@click.argument("name")
@click.option("--type", "type_", type=click.Choice(FACET_TYPES), help="Entity type when NAME is a name.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def entity(obj: Context, name: str, type_: str | None, as_json: bool) -> None:
    """Show an entity (QID or name) and how many indexed articles mention it."""
    data = obj.app().entity_named(name, type_)
    if data is None:
        fail(f"no entity {name!r} in the knowledge base", EXIT_EMPTY)
    if as_json:
        emit_json(data)
        return
    click.echo(f"{data['label']} ({data['qid']}) — {data['type']}" + (f", {data['kind']}" if data["kind"] else ""))
    if data["description"]:
        click.echo(f"  {data['description']}")
    if data["aliases"]:
        click.echo(f"  also: {', '.join(data['aliases'][:12])}")
    click.echo(f"  articles: {data['articles']:,}")
    click.echo(f"  https://www.wikidata.org/wiki/{data['qid']}")


# --------------------------------------------------------------------------- reindex
@cli.command()
@click.option("--reparse", is_flag=True, help="Run spaCy again (finds mentions of names the KB gained); default re-links stored mentions.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--progress/--no-progress", default=None)
@click.option("--clear-writer", "clear_writers", multiple=True, metavar="JOB", help="Elasticsearch: first remove the writer heartbeat of this index job, known to be gone (named by the 'an index job is writing' error; repeatable).")
@click.pass_obj
def reindex(obj: Context, reparse: bool, as_json: bool, progress: bool | None, clear_writers: tuple[str, ...]) -> None:
    """Rebuild the index from its stored articles into a new generation, then swap it in."""
    from .reindex import run_reindex

    show = sys.stderr.isatty() if progress is None else progress
    if clear_writers:
        clear = getattr(obj.engine, "clear_writers", None)
        if clear is None:
            fail(f"--clear-writer is for the Elasticsearch engine; the {obj.engine.name} engine has no writer heartbeats", EXIT_USAGE)
        removed = clear(list(clear_writers))
        for job in clear_writers:
            if job not in removed:
                warn(f"no writer heartbeat {job!r} on {obj.engine.info()['index']}: nothing to clear")
    try:
        summary = run_reindex(obj.engine, obj.kb, reparse=reparse, progress=show)
    except EngineError as exc:
        fail(str(exc), EXIT_ENGINE)
    if as_json:
        emit_json(summary)
    else:
        click.echo(
            f"reindexed {count_of(summary['indexed'], 'article')} in {summary['seconds']:.1f} s into {summary['generation']} "
            f"({summary['changed']:,} changed their links)"
        )


# --------------------------------------------------------------------------- eval
@cli.command("eval")
@click.argument("benchmark", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_file", type=click.Path(dir_okay=False, writable=True), help="Write the predictions (ELEVANT linked_articles JSONL) here.")
@click.option("--pred", "pred_file", type=click.Path(exists=True, dir_okay=False), help="Score these predictions instead of linking.")
@click.option("--errors", "errors_file", type=click.Path(dir_okay=False, writable=True), help="Write every wrong, false and missed link to this JSONL file.")
@click.option("--explain", is_flag=True, help="--errors: add why the linker decided so (candidates, each feature's value, scores, the rule).")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None, help="Confidence below which a mention stays NIL.")
@click.option("--online", is_flag=True, help="Look mentions the KB cannot resolve up on Wikidata (cached).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--progress/--no-progress", default=None)
@click.pass_obj
def eval_(obj: Context, benchmark: str, out_file: str | None, pred_file: str | None, errors_file: str | None, explain: bool, threshold: float | None, online: bool, as_json: bool, progress: bool | None) -> None:
    """Link an ELEVANT-format benchmark with the indexing pipeline and score it
    (facet and mention P/R/F1 per type, KB coverage, in-KB accuracy)."""
    from newslink.indexer import evaluate as ev

    try:
        gold = ev.load_jsonl(benchmark)
        ev.check_benchmark(gold, benchmark)
        pred = ev.load_jsonl(pred_file) if pred_file else None
    except (OSError, ev.BenchmarkError) as exc:
        fail(str(exc), EXIT_USAGE)
    if explain and not errors_file:
        fail("--explain adds to --errors FILE: give both", EXIT_USAGE)
    kb = obj.kb
    from newslink.indexer.pipeline import EntityPipeline

    pipeline = EntityPipeline(kb, threshold=threshold)
    if online:
        attach_online(pipeline, kb)
    if pred is None:
        from .progress import Progress

        show = sys.stderr.isatty() if progress is None else progress
        with Progress(total=len(gold), enabled=show, unit="articles") as bar:
            pred = ev.predict(pipeline, gold, on_progress=bar.update)
    if out_file:
        ev.write_predictions(pred, out_file)
    if errors_file:
        errs = list(ev.errors(gold, pred))
        if explain:
            errs = ev.explain_errors(pipeline, gold, errs)
        with open(errors_file, "w", encoding="utf-8") as handle:
            for err in errs:
                handle.write(json.dumps(err.to_dict(), ensure_ascii=False) + "\n")
    report = ev.evaluate(gold, pred, kb)
    report["benchmark"] = Path(benchmark).name
    if as_json:
        emit_json(ev.rounded(report))
    else:
        click.echo(ev.format_report(Path(benchmark).name, report))


def kb_summary() -> str:
    """What the KB at the default location holds, for a message (it may be absent or broken)."""
    try:
        kb = open_kb(auto_build=False)
    except (KBError, KBDataError, OSError, sqlite3.Error):
        return f"no usable KB at {kb_path()}"
    try:
        stats = kb.stats()
        return f"{stats['entities']:,} entities, version {stats['version']}"
    finally:
        kb.close()


def attach_online(pipeline: Any, kb: Any) -> None:
    """Let the pipeline's linker look unresolved mentions up on Wikidata."""
    from newslink.indexer.kb.online import OnlineResolver

    pipeline.linker.online = OnlineResolver.for_kb(kb)


# --------------------------------------------------------------------------- kb
@cli.group()
def kb() -> None:
    """The knowledge base of entities (Wikidata QIDs, labels, aliases)."""


@kb.command("build")
@click.option("--dump", "dump_file", type=click.Path(exists=True, dir_okay=False), help="A Wikidata JSON dump (.json, .json.gz, .json.bz2) to add to the starter KB.")
@click.option("--sparql", is_flag=True, help="Add entities from Wikidata's SPARQL service (online) to the starter KB.")
@click.option("--classes", "classes_file", type=click.Path(exists=True, dir_okay=False), help="More P31 classes to keep: TSV 'QID<TAB>type[<TAB>kind]'.")
@click.option("--expand-classes", is_flag=True, help="--dump: first collect the dump's P279 tree and keep every subclass of the known classes.")
@click.option("--min-sitelinks", type=click.IntRange(min=0), default=None, help="Keep entities with at least this many sitelinks [dump: 0; sparql: per type, 1-40].")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="--sparql: at most this many entities per type, most popular first.")
@click.option("--restart", is_flag=True, help="Start over instead of resuming an interrupted import.")
@click.option("--with", "with_data", type=click.Choice(["open"]), multiple=True,
              help="Compile the shipped open data (~99k places, parties, US legislators, brands) [default: $NEWSLINK_KB_SOURCES, else on].")
@click.option("--without", "without_data", type=click.Choice(["open"]), multiple=True,
              help="Leave the shipped open data out: the curated starter KB alone (as NEWSLINK_KB_SOURCES=starter).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal only).")
@click.option("--json", "as_json", is_flag=True)
def kb_build(dump_file: str | None, sparql: bool, classes_file: str | None, expand_classes: bool, min_sitelinks: int | None, limit: int | None, restart: bool, with_data: tuple[str, ...], without_data: tuple[str, ...], progress: bool | None, as_json: bool) -> None:
    """Compile the knowledge base into the data directory: the starter KB shipped
    with newslink and the compiled open data (--without open leaves it out), plus a
    Wikidata dump (--dump) or Wikidata's SPARQL service (--sparql).
    Interrupted imports resume where they stopped."""
    from newslink.indexer.kb import importer
    from newslink.indexer.kb.build import kb_sources
    from newslink.indexer.kb.http import WikidataError

    from .progress import Progress

    show = sys.stderr.isatty() if progress is None else progress
    total = os.path.getsize(dump_file) * (2 if expand_classes else 1) if dump_file else None
    try:
        with Progress(total=total, enabled=show and bool(dump_file or sparql), unit="B" if dump_file else "entities") as bar:
            result = importer.build(
                kb_path(), dump=dump_file, sparql=sparql, classes_file=classes_file, expand_classes=expand_classes,
                min_sitelinks=min_sitelinks, limit=limit, restart=restart,
                shipped=kb_sources(list(with_data) or None, without=without_data),
                on_dump_bytes=bar.update, on_sparql_entities=bar.update,
            )
    except KBDataError as exc:
        fail(str(exc), EXIT_KB)
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    except WikidataError as exc:
        fail(f"{exc} (rerun to resume)", EXIT_KB)
    except (OSError, sqlite3.Error) as exc:  # a full disk: the build stops, the KB in place stays
        reason = f"{exc.strerror or exc}" if isinstance(exc, OSError) else str(exc)
        fail(f"kb build failed writing {kb_path().parent}: {reason}; the knowledge base in place is unchanged ({kb_summary()}); rerun when fixed (an import resumes)", EXIT_KB)
    from newslink.indexer.nlp import prepare_gazetteer

    result["gazetteer"] = prepare_gazetteer(Path(result["path"]))
    if "error" in result["gazetteer"]:
        click.echo(f"warning: {result['gazetteer']['error']} (the first `newslink index` retries)", err=True)
    if as_json:
        emit_json(result)
    else:
        extra = f" ({result['staged']:,} from Wikidata)" if "staged" in result else ""
        click.echo(f"built {result['entities']:,} entities{extra} into {result['path']} in {result['seconds']} s")


@kb.command("lookup")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def kb_lookup(obj: Context, name: str, as_json: bool) -> None:
    """Every entity NAME may refer to, best first."""
    qid = parse_qid(name)
    if qid is not None:
        ent = obj.kb.entity(qid)
        rows = [(ent, "qid")] if ent else []
    else:
        rows = [(c.entity, c.alias_kind) for c in obj.kb.candidates(name)]
    if as_json:
        emit_json([dict(e.to_dict(), matched_as=kind) for e, kind in rows])
        return
    if not rows:
        fail(f"nothing called {name!r} in the knowledge base", EXIT_EMPTY)
    click.echo(render_table([[e.qid, e.type, e.label, kind, f"{e.popularity:g}", e.description[:60]] for e, kind in rows], ["qid", "type", "label", "as", "pop", "description"]))


@kb.command("stats")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def kb_stats(obj: Context, as_json: bool) -> None:
    """What the KB holds."""
    stats = obj.kb.stats()
    if as_json:
        emit_json(stats)
        return
    click.echo(f"{stats['entities']:,} entities, {stats['aliases']:,} aliases — {stats['path']}")
    click.echo(f"version {stats['version']}, built {stats['built_at']}, sources {', '.join(stats['sources'])}")
    click.echo(render_table([[t, f"{n:,}"] for t, n in stats["by_type"].items()], ["type", "entities"]))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """Where the data lives, the engine and index, the KB. What cannot be opened is
    shown with its problem (exit 3 for the engine, 4 for the KB) next to all the rest."""
    from .engines import engine_target

    data: dict[str, Any] = {"home": str(newslink_home()), "engine": None, "index": None, "kb": None, "problems": []}
    code = 0
    try:
        data["engine"] = engine_target(obj.engine_name, index=obj.index, url=obj.es_url)
        obj._engine = obj._engine or open_engine(obj.engine_name, index=obj.index, url=obj.es_url)
        data["index"] = obj._engine.info()
    except EngineError as exc:
        data["problems"].append(f"engine: {exc}")
        code = EXIT_ENGINE
    try:
        obj._kb = obj._kb or open_kb()
        data["kb"] = obj._kb.stats()
    except (KBError, KBDataError) as exc:
        data["problems"].append(f"kb: {exc}")
        code = code or EXIT_KB
    if as_json:
        emit_json(data)
    else:
        target = data["engine"]
        click.echo(f"home   {data['home']}")
        if target:
            click.echo(f"engine {target['engine']}" + (f" {target['url']}" if target["url"] else "") + f", index {target['index']}")
        i = data["index"]
        click.echo(f"index  {i['engine']} {i['index']} {i['generation']}: {count_of(i['documents'], 'document')}, {i['size_bytes'] / 1e6:.1f} MB" if i else "index  unavailable")
        k = data["kb"]
        click.echo(f"kb     {k['entities']:,} entities, version {k['version']} — {k['path']}" if k else "kb     unavailable")
    for problem in data["problems"]:
        click.echo(f"newslink: error: {problem}", err=True)
    if code:
        sys.exit(code)


# --------------------------------------------------------------------------- serve
@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind; anything but loopback exposes the API to the network.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN", help="Let browser pages from ORIGIN call the API (repeatable); CORS is off otherwise.")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]), default="info", show_default=True)
@click.pass_obj
def serve(obj: Context, host: str, port: int, cors_origins: tuple[str, ...], log_level: str) -> None:
    """Serve the search page (at /) and the read-only JSON search API (OpenAPI at /docs) with uvicorn."""
    try:
        import uvicorn

        from .api import create_app
    except ImportError as exc:
        fail(f"the HTTP API needs the 'api' extra: pip install 'newslink[api]' ({exc})", EXIT_USAGE)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"newslink: warning: listening on {host}; the API has no authentication", err=True)
    app = create_app(engine_name=obj.engine_name, index=obj.index, es_url=obj.es_url, cors_origins=cors_origins)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def main() -> None:
    cli(prog_name="newslink")


if __name__ == "__main__":  # pragma: no cover
    main()
