"""The command line: parse options, make one library call, print through ``report``, map errors to
exit codes.

A person waits for every import before anything happens, so this module imports click and little
else: each command imports the services it calls (``app``, ``nightly``, the Google backend) inside
its own function, and ``mapws --help`` costs about what a bare click group does.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from map_workspace import __version__, report
from map_workspace.errors import ExitStatus, MapwsError, UsageError

if TYPE_CHECKING:
    from map_workspace.config import Config
    from map_workspace.domain.model import Person
    from map_workspace.ports import PlanStore


# --- the shared options, once, on click's context object ----------------------------------------

def _default_store(config: Config) -> PlanStore:
    from map_workspace.pipeline import make_store  # not app: listing plans starts without the services

    return make_store(config)


class CliContext:
    """What the shared options said, wherever on the line they stood, and how to reach the plans.

    The shared options (``--backend --dir --today --json --verbose --traceback`` and the Google
    ones) are accepted before the command name, as in gh or gcloud, and after it by every command
    that uses them (so its ``--help`` lists them): ``mapws --dir plans list`` and
    ``mapws list --dir plans`` are the same. Given in both places, the one after the command wins.

    ``make_store`` is the seam where tests put a store of their own (default ``app.make_store``)::

        CliRunner().invoke(cli, ["sync", "acme"], obj=CliContext(make_store=lambda config: fake_store))
    """

    def __init__(self, make_store: Callable[[Config], PlanStore] | None = None) -> None:
        self.make_store: Callable[[Config], PlanStore] = make_store or _default_store
        #: Each shared option given on the line, by its parameter name (``plans_dir``, ``as_json`` …).
        self.values: dict[str, Any] = {}

    @property
    def as_json(self) -> bool:
        return bool(self.values.get("as_json"))

    @property
    def verbose(self) -> bool:
        return bool(self.values.get("verbose"))

    @property
    def show_traceback(self) -> bool:
        return bool(self.values.get("show_traceback"))

    def google_flags(self) -> dict[str, Any]:
        return {"credentials": self.values.get("credentials"), "folder": self.values.get("folder"),
                "impersonate": self.values.get("impersonate"), "google_api_root": self.values.get("api_root")}

    def config(self, **extra: Any) -> Config:
        """The configuration: these flags (``None`` is unset) over the environment and the file."""
        from map_workspace.config import load_config

        flags = {"backend": self.values.get("backend"), "dir": self.values.get("plans_dir"),
                 "today": self.values.get("today"), **self.google_flags(), **extra}
        return load_config(flags)

    def store(self, config: Config) -> PlanStore:
        return self.make_store(config)


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """Keep a shared option on the context object; one not given leaves the group's value alone."""
    if value is None or value is False or param.name is None:
        return
    ctx.ensure_object(CliContext).values[param.name] = value


def _shared(*decls: str, **attrs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(*decls, expose_value=False, callback=_remember, **attrs)


def _backend() -> Callable[..., Any]:
    return _shared("--backend", type=click.Choice(["local", "google"]), default=None,
                   help="Where plans live (env MAPWS_BACKEND; default local).")


def _plans_dir(help: str = "Folder of local plans (env MAPWS_DIR; default ./maps).") -> Callable[..., Any]:
    return _shared("--dir", "plans_dir", type=click.Path(file_okay=False, path_type=Path), default=None, help=help)


def _today(help: str = "Reason as if today were this date (env MAPWS_TODAY).") -> Callable[..., Any]:
    return _shared("--today", default=None, metavar="YYYY-MM-DD", help=help)


def _json(help: str = "Print one JSON object on stdout.") -> Callable[..., Any]:
    return _shared("--json", "as_json", is_flag=True, help=help)


def _verbose() -> Callable[..., Any]:
    return _shared("--verbose", "-v", is_flag=True, help="Say more about what is happening.")


def _traceback() -> Callable[..., Any]:
    return _shared("--traceback", "show_traceback", is_flag=True, help="Show the traceback of an error.")


def _apply(fn: Callable[..., Any], options: list[Callable[..., Any]]) -> Callable[..., Any]:
    for option in reversed(options):
        fn = option(fn)
    return fn


def google_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Where the Google backend finds its identity and files (ignored by the local backend)."""
    return _apply(fn, [
        _shared("--credentials", default=None, metavar="FILE",
                help="Google: a service-account key or OAuth client file (env MAPWS_CREDENTIALS)."),
        _shared("--folder", default=None, metavar="ID", help="Google: Drive folder for plans (env MAPWS_FOLDER)."),
        _shared("--impersonate", default=None, metavar="EMAIL",
                help="Google: act as this user by domain-wide delegation (env MAPWS_IMPERSONATE)."),
        _shared("--api-root", default=None, metavar="URL",
                help="Google: send every call to this base URL, e.g. an emulator (env MAPWS_GOOGLE_API_ROOT)."),
    ])


def common_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options every plan command understands (and the group, before the command name)."""
    return google_options(_apply(fn, [_backend(), _plans_dir(), _today(), _json(), _verbose(), _traceback()]))


def output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--json and --traceback, for commands that take no plan options."""
    return _apply(fn, [_json("Print JSON."), _traceback()])


# --- the error boundary ------------------------------------------------------------------------

def command_boundary(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures into a message and an exit code (PRODUCT.md, Exit codes)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        obj = click.get_current_context().ensure_object(CliContext)
        try:
            return fn(*args, **kwargs)
        except MapwsError as exc:
            _print_traceback(obj)
            report.print_error(exc, obj.as_json)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(ExitStatus.INTERRUPTED)
        except BrokenPipeError:
            # The reader went away (mapws list | head): not an error worth a message.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(ExitStatus.OK)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except OSError as exc:  # a file system refusal no layer named: still the path and what to do
            from map_workspace.errors import file_error

            _print_traceback(obj)
            err = file_error(exc, doing="use")
            report.print_error(err, obj.as_json)
            sys.exit(err.exit_code)
        except Exception as exc:  # noqa: BLE001 — the last line of defence: no bare traceback
            _print_traceback(obj)
            err = MapwsError(f"Unexpected {type(exc).__name__}: {exc}",
                             "Run again with --traceback and report it, with the plan file if you can share it.")
            report.print_error(err, obj.as_json)
            sys.exit(err.exit_code)

    return wrapper


def _print_traceback(obj: CliContext) -> None:
    if obj.show_traceback:
        import traceback

        traceback.print_exc()


def _parse_people(values: tuple[str, ...], option: str) -> list[Person]:
    from map_workspace.domain.model import Person

    people = []
    for value in values:
        try:
            people.append(Person.parse(value))
        except ValueError:
            raise UsageError(f"{option} '{value}' is not a person.",
                             f'Write it as {option} "Dana Tanaka <dana@acme.com>" or {option} dana@acme.com.') from None
    return people


def _parse_roles(values: tuple[str, ...], option: str = "") -> dict[str, Person]:
    """ROLE="Name <email>" pairs (``create --role``, ``assign``), by role key."""
    lead = f"{option} " if option else ""
    roles: dict[str, Person] = {}
    for value in values:
        key, sep, person = value.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{lead}'{value}' is not ROLE=\"Name <email>\".",
                             f'Write it as {lead}buyer.cfo="Lee Chen <lee@acme.com>"; '
                             "'mapws templates show NAME' lists the roles.")
        roles[key.strip()] = _parse_people((person,), option or key.strip())[0]
    return roles


# --- the commands ------------------------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="mapws")
@common_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """mapws — Mutual Action Plans in the spreadsheet the buyer already uses.

    \b
    Create a plan, share it, let the buyer edit it, sync it every night:
      mapws create "Acme rollout" --decision-date 2026-06-30 --buyer "Dana Tanaka <dana@acme.com>"
      mapws sync acme-rollout
      mapws summary acme-rollout --pdf
    Try the whole loop on sample data first: mapws demo

    The options below work before the command name and after it (after it wins).
    """
    ctx.ensure_object(CliContext)


@cli.command()
@common_options
@click.option("--seller", default=None,
              help='You, the rep: "Name <email>" or an email (used as the seller on new plans).')
@click.option("--seller-company", default=None, help="Your company's name, shown on every plan.")
@click.option("--locale", default=None, help="How buyers write dates, e.g. en_US, en_GB, de_DE, ja_JP.")
@click.option("--timezone", default=None, help="IANA time zone for History and TODAY(), e.g. Europe/Berlin.")
@click.option("--lang", "language", default=None, metavar="LANG",
              help="The language of new plans: en or ja (default: the locale's, ja_JP → ja).")
@click.option("--create-folder", default=None, metavar="NAME",
              help="Google: create a Drive folder the app owns (inside --folder when given) and use it for plans.")
@click.option("--force", is_flag=True, help="Overwrite values the config file already sets (other settings are kept).")
@command_boundary
@click.pass_obj
def init(obj: CliContext, seller: str | None, seller_company: str | None, locale: str | None,
         timezone: str | None, language: str | None, create_folder: str | None, force: bool) -> None:
    """Write or update the config file, and create the plans folder (local) or a Drive folder (Google).

    Only the settings given change; the rest of the file (and its comments) is kept. A value the
    file already sets is overwritten only with --force.

    \b
    Examples:
      mapws init --seller "Sam Rivera <sam@seller.io>" --seller-company "Seller.io" --dir ~/maps
      mapws init --backend google --credentials ~/keys/mapws.json --folder SHARED_DRIVE_FOLDER_ID \\
        --create-folder "MAPs"
    """
    from map_workspace import app
    from map_workspace.config import check_language

    if seller:
        _parse_people((seller,), "--seller")
    given = {"backend": obj.values.get("backend"), "seller": seller, "seller_company": seller_company,
             "locale": locale, "timezone": timezone, **obj.google_flags()}
    if language is not None:  # checked before the file is touched
        given["language"] = check_language(language)
    update, config = app.init_config(given, plans_dir=obj.values.get("plans_dir"), create_folder=create_folder,
                                     force=force)
    report.print_init(update, config, obj.as_json)


@cli.command()
@click.argument("deal")
@click.option("--decision-date", required=True, metavar="YYYY-MM-DD", help="The buyer's target decision date.")
@click.option("--buyer", "buyers", multiple=True, metavar='"Name <email>"',
              help="A buyer contact (\"Name <email>\" or an email); the first is the champion. Repeatable.")
@click.option("--seller", "sellers", multiple=True, metavar='"Name <email>"',
              help="A seller contact (\"Name <email>\" or an email); the first is the account executive. "
              "Repeatable.")
@click.option("--role", "roles", multiple=True, metavar='ROLE="Name <email>"',
              help="Name the person for a template role, e.g. buyer.cfo=\"Ann Lee <ann@acme.com>\" or "
              "buyer.cfo=ann@acme.com ('mapws templates show NAME' lists the roles).")
@click.option("--template", default="enterprise", show_default=True, help="Template name or .toml path.")
@click.option("--buyer-company", default=None, help="Buyer company (default: from the first buyer's email).")
@click.option("--seller-company", default=None, help="Seller company (default: config, or your email).")
@click.option("--commenter", is_flag=True, help="Google: share with buyers as commenters instead of editors.")
@click.option("--deal-value", type=float, default=None, help="Seller-internal: kept on your side, never in the plan.")
@click.option("--forecast", default=None, help="Seller-internal forecast category (pipeline, best case, commit, …).")
@click.option("--internal-note", default=None, help="Seller-internal note: kept on your side, never in the plan.")
@click.option("--crm-id", default=None, metavar="ID",
              help="The deal's id in your CRM (Salesforce Opportunity ID, HubSpot Record ID): kept on your side.")
@click.option("--allow-domain", "allow_domains", multiple=True, metavar="DOMAIN",
              help="Refuse buyers whose address is not at this domain. Repeatable (config: allow_domains).")
@click.option("--start", default=None, metavar="YYYY-MM-DD", help="The day work begins (default: today).")
@click.option("--holidays", "holiday_regions", default=None, metavar="CODES",
              help="Public holidays: country or country-subdivision codes, e.g. JP or US,GB-ENG; 'none' for "
                   "weekends only (default: config, else the locale's country).")
@click.option("--lang", "language", default=None, metavar="LANG",
              help="The plan's language: en or ja (default: config 'language', else the locale's, ja_JP → ja).")
@click.option("--dry-run", is_flag=True, help="Show what would be created; write nothing.")
@common_options
@command_boundary
@click.pass_obj
def create(obj: CliContext, deal: str, decision_date: str, buyers: tuple[str, ...], sellers: tuple[str, ...],
           roles: tuple[str, ...], template: str, buyer_company: str | None, seller_company: str | None,
           commenter: bool, deal_value: float | None, forecast: str | None, internal_note: str | None,
           allow_domains: tuple[str, ...], start: str | None, holiday_regions: str | None,
           language: str | None, dry_run: bool, crm_id: str | None) -> None:
    """Create a plan from a template, scheduled from today on working days up to the decision date.

    \b
    Example:
      mapws create "Acme rollout" --decision-date 2026-06-30 \\
        --buyer "Dana Tanaka <dana@acme.com>" --seller "Sam Rivera <sam@seller.io>" \\
        --role buyer.cfo="Lee Chen <lee@acme.com>"
    """
    from map_workspace import app
    from map_workspace.config import parse_day
    from map_workspace.private import PrivateDeal, parse_crm_id, parse_forecast

    config = obj.config(allow_domains=allow_domains or None, holiday_regions=holiday_regions, language=language)
    crm = parse_crm_id(crm_id) if crm_id is not None else ""
    role_map = _parse_roles(roles, "--role")
    req = app.CreateRequest(
        deal=deal, decision=parse_day(decision_date, "--decision-date"),
        buyers=_parse_people(buyers, "--buyer"), sellers=_parse_people(sellers, "--seller"), roles=role_map,
        template=template, buyer_company=buyer_company or "", seller_company=seller_company or "",
        commenter=commenter, start=parse_day(start, "--start") if start else None,
    )
    private = PrivateDeal(deal_value, parse_forecast(forecast), internal_note or "")
    store = obj.store(config)
    result = app.create_plan(store, req, config, dry_run=dry_run)
    if not dry_run and not (private.empty and not crm):
        try:
            app.remember_private(store, result.ref, private, config, crm_id=crm)
        except MapwsError as exc:
            exc.message = f"The plan was created ({result.ref.id}), but not its seller-internal facts: {exc.message}"
            raise
    report.print_created(result, req, dry_run=dry_run, as_json=obj.as_json)


@cli.command()
@click.argument("plan", required=False)
@click.option("--all", "all_plans", is_flag=True, help="Sync every plan (the nightly job).")
@click.option("--dry-run", is_flag=True, help="Show the changes as data; write nothing.")
@click.option("--strict", is_flag=True, help="Exit 1 when any error finding remains.")
@click.option("--fail-on", type=click.Choice(["overdue"]), default=None,
              help="Exit 1 when any item is overdue (for cron mail only when something is late).")
@click.option("--shard", default=None, metavar="I/N", help="With --all: only shard I of N (0 … N-1).")
@click.option("--max-rpm", type=int, default=None, help="With --all: Sheets reads and writes per minute each "
              "(env MAPWS_MAX_RPM; default 60).")
@click.option("--workers", type=int, default=None, help="With --all: plans synced at once (default 8 google; "
              "local: one process per CPU when 16 or more plans need reading, else 1).")
@click.option("--state", default=None, metavar="PATH|drive",
              help="With --all: the state store (env MAPWS_STATE; default: SQLite in the user data dir); "
              "'drive' keeps it in one app-owned Google Drive file, for hosts thrown away after each run.")
@click.option("--wait", is_flag=True, help="With --all: queue behind a run already in progress.")
@click.option("--impersonate-owners", is_flag=True,
              help="With --all on Google: sync each plan as its owner (service account with domain-wide "
              "delegation), so each rep's own per-minute quota is used; --max-rpm applies per owner.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, no hints under the findings.")
@click.option("--notify", "send_notify", is_flag=True,
              help="With --all: then send the digest and reminders, as mapws notify does ([notify] in the config).")
@common_options
@command_boundary
@click.pass_obj
def sync(obj: CliContext, plan: str | None, all_plans: bool, dry_run: bool, strict: bool, fail_on: str | None,
         shard: str | None, max_rpm: int | None, workers: int | None, state: str | None, wait: bool,
         impersonate_owners: bool, quiet: bool, send_notify: bool) -> None:
    """Read a plan back, validate it, and write the sync-owned cells.

    Buyer cells are never changed: problems get a finding and a [mapws] note on the cell.
    With --all, plans unchanged since the last night are not even read.

    \b
    Examples:
      mapws sync acme-rollout
      mapws sync maps/acme-rollout.xlsx --dry-run --json
      mapws sync --all --json --fail-on overdue
      mapws sync --all --shard 0/4 --max-rpm 15
      mapws sync --all --backend google --state drive --quiet --json
      mapws sync --all --notify
    """
    config = obj.config(max_rpm=max_rpm, state=state)
    store = obj.store(config)
    if all_plans == bool(plan):
        raise UsageError("Name one PLAN, or pass --all.", "Example: mapws sync acme-rollout")
    if send_notify and not all_plans:
        raise UsageError("--notify goes with --all (the nightly run).", "Example: mapws sync --all --notify")
    if all_plans:
        _night(obj, store, config, dry_run=dry_run, planned=dry_run, strict=strict, fail_on=fail_on, quiet=quiet,
               shard=shard, workers=workers, wait=wait, impersonate_owners=impersonate_owners,
               send_notify=send_notify)
        return
    if impersonate_owners:
        raise UsageError("--impersonate-owners goes with --all.", "Example: mapws sync --all --impersonate-owners")
    from map_workspace import app
    from map_workspace.policy import check_policy

    assert plan is not None
    outcome = app.sync_one(store, plan, config, dry_run=dry_run)
    report.print_outcome(outcome, dry_run=dry_run, verbose=obj.verbose, as_json=obj.as_json, planned=dry_run,
                         hints=not quiet)
    check_policy([outcome], strict=strict, fail_on=fail_on)


def _night(obj: CliContext, store: PlanStore, config: Config, *, dry_run: bool, planned: bool, strict: bool = False,
           fail_on: str | None = None, quiet: bool = False, send_notify: bool = False, **options: Any) -> None:
    """``--all``: the nightly run, its lines as each plan finishes, then the totals and exit code."""
    from map_workspace import nightly
    from map_workspace.policy import check_policy

    store.require_place()  # a mistyped folder in a cron line must not pass for a night with no plans
    progress = report.progress_bar(enabled=not quiet and not obj.as_json)

    def on_run(run: nightly.PlanRun) -> None:
        progress.advance(run.ref.slug)
        report.print_run_line(run, planned=planned, verbose=obj.verbose, dry_run=dry_run, as_json=obj.as_json)

    try:
        night = nightly.run_night(store, config, dry_run=dry_run, on_listed=progress.start, on_run=on_run, **options)
    finally:
        progress.stop()
    report.print_skipped(store.not_plans(), obj.as_json)
    report.print_night_end(night, obj.as_json, verbose=obj.verbose, hints=not quiet)
    if send_notify:  # after the night: the plans are as the sync left them (read from the state it kept)
        notified = _notify(obj, store, config, dry_run=dry_run, key="notify")
        if notified is not ExitStatus.OK and night.exit_status is ExitStatus.OK:
            sys.exit(notified)
    if night.exit_status is not ExitStatus.OK:
        sys.exit(night.exit_status)
    check_policy([r.outcome for r in night.runs if r.outcome is not None], strict=strict, fail_on=fail_on)


@cli.command()
@click.argument("plan", required=False)
@click.option("--all", "all_plans", is_flag=True, help="Every plan in the plans folder.")
@click.option("--quiet", "-q", is_flag=True, help="No hints under the findings.")
@common_options
@command_boundary
@click.pass_obj
def status(obj: CliContext, plan: str | None, all_plans: bool, quiet: bool) -> None:
    """Show what a sync would find and write (as sync --dry-run), without writing anything.

    \b
    Examples:
      mapws status acme-rollout --json
      mapws status --all
    """
    config = obj.config()
    if all_plans == bool(plan):
        raise UsageError("Name one PLAN, or pass --all.", "Example: mapws status acme-rollout")
    if all_plans:
        _night(obj, obj.store(config), config, dry_run=True, planned=False, quiet=quiet)
        return
    from map_workspace import app

    assert plan is not None
    outcome = app.sync_one(obj.store(config), plan, config, dry_run=True)
    report.print_outcome(outcome, dry_run=True, verbose=obj.verbose, as_json=obj.as_json, hints=not quiet)


@cli.command()
@click.argument("plan")
@click.option("--light", is_flag=True,
              help="The short one: health, what is overdue, what we need from the buyer this week, milestones.")
@click.option("--pdf", is_flag=True, help="Also convert it to PDF (locally with LibreOffice: soffice on PATH, or "
              "env MAPWS_SOFFICE; without it the .docx is still written, and the exit code is 3).")
@click.option("--keep", is_flag=True,
              help="Also keep a dated copy (PLAN-summary-2026-12-10.docx; on Google a dated Doc) that later runs "
                   "leave alone.")
@common_options
@command_boundary
@click.pass_obj
def summary(obj: CliContext, plan: str, light: bool, pdf: bool, keep: bool) -> None:
    """Write the one-page summary: where we are, next steps, what needs attention.

    The full and the light summary have their own files (PLAN-summary.docx,
    PLAN-summary-light.docx) and each run rewrites its own. On Google each is one Doc rebuilt in
    place, so the link you sent always shows the latest (the Doc's version history keeps earlier
    runs).

    \b
    Example:
      mapws summary acme-rollout --pdf
      mapws summary acme-rollout --light --keep
    """
    from map_workspace import app

    config = obj.config()
    result = app.write_summary(obj.store(config), plan, config, light=light, pdf=pdf, keep=keep)
    report.print_summary_written(result, obj.as_json)
    if result.pdf_problem is not None:
        raise result.pdf_problem


@cli.command()
@click.argument("plan")
@click.option("--item", default=None, metavar="ID", help="The item to move, e.g. T-07 (with --due).")
@click.option("--due", default=None, metavar="YYYY-MM-DD", help="The item's new due date.")
@click.option("--decision-date", default=None, metavar="YYYY-MM-DD",
              help="Move the decision instead: its milestone and the Overview's target decision date.")
@click.option("--dry-run", is_flag=True, help="Show what would move; write nothing.")
@common_options
@command_boundary
@click.pass_obj
def replan(obj: CliContext, plan: str, item: str | None, due: str | None, decision_date: str | None,
           dry_run: bool) -> None:
    """Move one item's due date, or the decision date, and what depends on it.

    A dependent moves only when the new date breaks its lead time (to the first working day that
    keeps it), never earlier; done items never move. The moves are shown, then written at once:
    Baselines kept, Slips counted, a History row per moved item marked "replanned".

    \b
    Examples:
      mapws replan acme-rollout --item T-07 --due 2027-02-15
      mapws replan acme-rollout --decision-date 2027-04-09 --dry-run
    """
    from map_workspace import app
    from map_workspace.config import parse_day

    if bool(item) == bool(decision_date) or bool(item) != bool(due):
        raise UsageError("Pass --item ID with --due DATE, or --decision-date DATE.",
                         "Example: mapws replan acme-rollout --item T-07 --due 2027-02-15")
    config = obj.config()
    result = app.replan_plan(
        obj.store(config), plan, config, item=item or "", due=parse_day(due, "--due") if due else None,
        decision=parse_day(decision_date, "--decision-date") if decision_date else None, dry_run=dry_run,
        before_write=None if obj.as_json else report.print_replan_table)
    report.print_replanned(result, obj.as_json)


@cli.command()
@click.argument("plan")
@click.argument("people", nargs=-1, required=True, metavar='ROLE="Name <email>"...')
@click.option("--dry-run", is_flag=True, help="Show who would own what; write nothing.")
@common_options
@command_boundary
@click.pass_obj
def assign(obj: CliContext, plan: str, people: tuple[str, ...], dry_run: bool) -> None:
    """Name the person for a template role after create.

    Each open item of the role whose Owner is still empty (or "TBD") gets their name; a name
    someone typed is never overwritten. They are added to Stakeholders when missing.

    \b
    Example:
      mapws assign acme-rollout buyer.cfo="Lee Chen <lee@acme.com>" buyer.legal=ann@acme.com
    """
    from map_workspace import app

    config = obj.config()
    result = app.assign_people(obj.store(config), plan, _parse_roles(people), config, dry_run=dry_run)
    report.print_assigned(result, obj.as_json)


@cli.command()
@click.argument("plan")
@click.option("--on", "on", metavar="YYYY-MM-DD", default=None, help="The day of the check-in (default: today).")
@click.option("--notes", default="", help="Notes taken at the check-in, kept in its Check-ins row.")
@click.option("--format", "fmt", type=click.Choice(["docx", "md"]), default="docx", show_default=True,
              help="docx: write the agenda as a document beside the plan (a Google Doc on Google); md: print "
              "it as Markdown instead.")
@click.option("--dry-run", is_flag=True, help="Show the agenda and the Check-ins row; write nothing.")
@common_options
@command_boundary
@click.pass_obj
def checkin(obj: CliContext, plan: str, on: str | None, notes: str, fmt: str, dry_run: bool) -> None:
    """Run the weekly check-in: write its agenda and record it in the Check-ins tab.

    The agenda says what changed since the last check-in, what got done, what slipped, what is
    overdue or due in the next two weeks, what needs an owner, and the top open risks. The
    Check-ins row gets the date, the agenda, the notes and the next check-in (from the Overview's
    cadence).

    \b
    Examples:
      mapws checkin acme-rollout --notes "Security review moved to legal"
      mapws checkin acme-rollout --format md > agenda.md
    """
    from map_workspace import app
    from map_workspace.config import parse_day

    config = obj.config()
    day = parse_day(on, "--on") if on else None
    result = app.run_checkin(obj.store(config), plan, config, on=day, notes=notes, markdown=fmt == "md",
                             dry_run=dry_run)
    report.print_checkin(result, obj.as_json)


@cli.command()
@click.argument("plan")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The .ics file to write (default: PLAN-SLUG.ics in the current folder).")
@common_options
@command_boundary
@click.pass_obj
def calendar(obj: CliContext, plan: str, output: Path | None) -> None:
    """Write the plan's milestones and next check-ins as a calendar file (.ics).

    Import it again after dates move: each event keeps its UID, so calendars update it.

    \b
    Example:
      mapws calendar acme-rollout -o acme.ics
    """
    from map_workspace import app

    config = obj.config()
    result = app.write_calendar(obj.store(config), plan, config, output=output)
    report.print_calendar(result, obj.as_json)
@cli.command(name="list")
@common_options
@command_boundary
@click.pass_obj
def list_command(obj: CliContext) -> None:
    """List the plans: the pipeline, one line per plan, as the last sync left it.

    Health, progress, the target and projected decision, the next milestone and the days since
    the buyer last edited the plan come from what the last sync (sync --all, or sync PLAN)
    remembered on your side: no plan is read, and '—' means no sync has told yet.

    \b
    Examples:
      mapws list --dir ~/maps
      mapws list --json
    """
    from map_workspace import pipeline  # app's list_pipeline, without app's other services

    config = obj.config()
    store = obj.store(config)
    rows = pipeline.list_pipeline(store, config)
    report.print_pipeline(rows, config.dir, obj.as_json, skipped=store.not_plans())


@cli.command()
@click.argument("plan")
@click.argument("crm_id", metavar="CRM_ID")
@click.option("--dry-run", is_flag=True, help="Say what would be recorded; record nothing.")
@common_options
@command_boundary
@click.pass_obj
def link(obj: CliContext, plan: str, crm_id: str, dry_run: bool) -> None:
    """Record the plan's CRM id (a Salesforce Opportunity ID, a HubSpot deal's Record ID).

    It is kept on your side (the state database, with the deal value and how the deal closed),
    never in the plan; list shows it and report joins CRM exports on it. Linking again replaces it.

    \b
    Examples:
      mapws link acme-rollout 0065g00000AbCdE
      mapws link acme-rollout 14567890123 --dry-run --json
    """
    from map_workspace import app

    config = obj.config()
    result = app.link_crm(obj.store(config), plan, crm_id, config, dry_run=dry_run)
    report.print_linked(result, as_json=obj.as_json)


@cli.command(name="report")
@click.option("--crm", "crm_file", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE.csv",
              help="A CRM export to join: a Salesforce Opportunity report or a HubSpot deals export (CSV).")
@click.option("--since", default=None, metavar="YYYY-MM-DD",
              help="Count only deals closed on or after this day (open plans are all shown).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx", "html"]), default=None,
              help="table (default on a terminal), json, csv (the pipeline), xlsx (a sheet per table) or html "
              "(one self-contained page with charts); default from -o's extension.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (xlsx and html default to mapws-report-DATE.xlsx/.html here).")
@common_options
@command_boundary
@click.pass_obj
def report_command(obj: CliContext, crm_file: Path | None, since: str | None, fmt: str | None,
                   output: Path | None) -> None:
    """The team's pipeline, and whether deals with a MAP close more often and faster — on your deals.

    Every plan (unchanged ones from the nightly's state store, without reading them) with its
    seller-side facts (value, forecast, how it closed); with --crm, the CRM's deals joined by CRM
    id, else by exact deal name. Each figure is printed with how it was computed.

    \b
    Examples:
      mapws report
      mapws report --crm opportunities.csv --since 2026-01-01 --format html -o pipeline.html
      mapws report --crm hubspot-deals.csv --json
    """
    from map_workspace.config import parse_day
    from map_workspace.team_report import make_report
    from map_workspace.team_report_files import SUFFIXES, write

    if fmt is None and output is not None:
        fmt = SUFFIXES.get(output.suffix.lower())
        if fmt is None:
            raise UsageError(f"Which format for {output}? Its extension does not say.",
                             "Name the file .html, .xlsx, .csv or .json, or give --format.")
    fmt = fmt or ("json" if obj.as_json else "table")
    if fmt == "table" and output is not None:
        raise UsageError("A table is for the terminal; -o writes a file.",
                         "Give --format csv, xlsx, html or json with -o.")
    config = obj.config()
    team = make_report(obj.store(config), config, crm_path=crm_file,
                       since=parse_day(since, "--since") if since else None)
    if fmt in ("xlsx", "html") and output is None:
        output = Path(f"mapws-report-{team.as_of.isoformat()}.{fmt}")
    written = write(team, fmt, output) if output is not None else None
    report.print_team_report(team, fmt=fmt, written=written, as_json=obj.as_json)
    if team.failed:
        from map_workspace.errors import PlanError

        err = PlanError(f"{len(team.failed)} plan(s) could not be read and are left out of the report: "
                        f"{', '.join(plan for plan, _ in team.failed)}.",
                        "Run 'mapws sync PLAN' on each to see what is wrong with it.")
        err.json_on_stdout = False  # stdout holds the report
        raise err


@cli.command()
@click.argument("plan")
@click.option("--won", is_flag=True, help="The buyer decided for us.")
@click.option("--lost", is_flag=True, help="The buyer decided against us.")
@click.option("--no-decision", is_flag=True, help="The buyer decided nothing (the deal stalled or was dropped).")
@click.option("--reopen", is_flag=True, help="Undo a close: the plan flags dates and is synced again.")
@click.option("--on", "on", default=None, metavar="YYYY-MM-DD", help="The day it was decided (default: today).")
@click.option("--reason", default=None, help="Seller-internal: why, kept on your side, never in the plan.")
@click.option("--dry-run", is_flag=True, help="Say what would happen; write nothing.")
@common_options
@command_boundary
@click.pass_obj
def close(obj: CliContext, plan: str, won: bool, lost: bool, no_decision: bool, reopen: bool, on: str | None,
          reason: str | None, dry_run: bool) -> None:
    """Close a decided plan (won, lost, no decision), or reopen it.

    The Overview then says "Closed — won on DATE", nothing is flagged overdue any more, and
    sync --all skips the plan without reading it. The outcome and the reason are also kept
    on your side (list shows them); the reason never goes in the plan.

    \b
    Examples:
      mapws close acme-rollout --won
      mapws close acme-rollout --lost --on 2027-03-31 --reason "went with a competitor"
      mapws close acme-rollout --reopen
    """
    from map_workspace import app
    from map_workspace.config import parse_day

    chosen = [name for name, given in (("won", won), ("lost", lost), ("no decision", no_decision)) if given]
    if len(chosen) + reopen != 1:
        raise UsageError("Say one of --won, --lost, --no-decision or --reopen.",
                         "Example: mapws close acme-rollout --won")
    if reopen and (on or reason):
        raise UsageError("--on and --reason go with --won, --lost or --no-decision, not --reopen.",
                         "Example: mapws close acme-rollout --reopen")
    config = obj.config()
    result = app.close_plan(obj.store(config), plan, config, outcome=None if reopen else chosen[0],
                            on=parse_day(on, "--on") if on else None, reason=reason or "", dry_run=dry_run)
    report.print_closed(result, as_json=obj.as_json)


@cli.command()
@click.argument("plan")
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="Only the changes on or after this day.")
@click.option("--since-checkin", is_flag=True, help="Only the changes since the last check-in (Check-ins tab).")
@common_options
@command_boundary
@click.pass_obj
def changes(obj: CliContext, plan: str, since: str | None, since_checkin: bool) -> None:
    """What changed in a plan, in words: one line per change the sync observed (History).

    Each line names the item, the field, before → after, when, and who where the backend
    can tell.

    \b
    Examples:
      mapws changes acme-rollout --since-checkin
      mapws changes acme-rollout --since 2027-01-04 --json
    """
    from map_workspace import app
    from map_workspace.config import parse_day

    config = obj.config()
    result = app.plan_history(obj.store(config), plan, config, since=parse_day(since, "--since") if since else None,
                              since_checkin=since_checkin)
    report.print_changes(result, as_json=obj.as_json)


@cli.command()
@click.argument("plan", required=False)
@click.option("--all", "all_plans", is_flag=True, help="Every open plan (the default when no PLAN is named).")
@click.option("--digest", is_flag=True, help="Only the seller's digest (and the Slack message).")
@click.option("--reminders", is_flag=True, help="Only the owners' reminders.")
@click.option("--dry-run", is_flag=True, help="Say who would get what (the full text with -v); send nothing.")
@click.option("--opt-out", "opt_out", default=None, metavar="EMAIL",
              help="Stop reminders and digests to this address (about --plan only, else every plan).")
@click.option("--plan", "opt_out_plan", default=None, metavar="PLAN", help="With --opt-out: only about this plan.")
@common_options
@command_boundary
@click.pass_obj
def notify(obj: CliContext, plan: str | None, all_plans: bool, digest: bool, reminders: bool, dry_run: bool,
           opt_out: str | None, opt_out_plan: str | None) -> None:
    """Send the seller's digest and the owners' reminders by mail (and the digest to Slack).

    One digest per seller lead for all their plans (or to notify.digest_to): health, progress,
    projected decision, what changed, open findings, the link. One reminder per person for
    the items they own that are overdue or due soon, across plans; a buyer sees only their
    own items. At most one reminder every notify.every business days, none on non-working
    days, nothing twice the same day. Set [notify] smtp and from in the config; the password
    comes from MAPWS_SMTP_PASSWORD.

    \b
    Examples:
      mapws notify --dry-run -v
      mapws notify --reminders --json
      mapws notify acme-rollout --digest
      mapws notify --opt-out dana@acme.com --plan acme-rollout
    """
    config = obj.config()
    store = obj.store(config)
    if opt_out:
        if plan or all_plans or digest or reminders or dry_run:
            raise UsageError("--opt-out stands alone (with --plan PLAN at most).",
                             "Example: mapws notify --opt-out dana@acme.com --plan acme-rollout")
        from map_workspace import notifying

        email, name, added = notifying.opt_out(store, config, opt_out, opt_out_plan)
        report.print_opted_out(email, name, added, obj.as_json)
        return
    if opt_out_plan:
        raise UsageError("--plan goes with --opt-out; name the plan to notify about as PLAN.",
                         "Example: mapws notify acme-rollout")
    if plan and all_plans:
        raise UsageError("Name one PLAN, or pass --all, not both.", "Example: mapws notify --all")
    status = _notify(obj, store, config, plan=plan, digest=digest or not reminders,
                     reminders=reminders or not digest, dry_run=dry_run)
    if status is not ExitStatus.OK:
        sys.exit(status)


def _notify(obj: CliContext, store: PlanStore, config: Config, *, plan: str | None = None, digest: bool = True,
            reminders: bool = True, dry_run: bool = False, key: str = "") -> ExitStatus:
    from map_workspace import notifying

    def said(message: notifying.Message, error: MapwsError | None) -> None:
        report.print_notify_message(message, error, dry_run=dry_run, verbose=obj.verbose, as_json=obj.as_json)

    result = notifying.notify(store, config, plan=plan, digest=digest, reminders=reminders, dry_run=dry_run,
                              on_message=said)
    report.print_notified(result, obj.as_json, verbose=obj.verbose, key=key)
    return result.exit_status


@cli.group()
def auth() -> None:
    """Sign in to Google, check who mapws acts as, sign out."""


@auth.command(name="login")
@click.option("--client", "client_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The OAuth client file (Desktop app) downloaded from the Cloud console.")
@click.option("--no-browser", is_flag=True, help="Print the sign-in address instead of opening a browser.")
@click.option("--port", type=int, default=0, help="Local port for Google's redirect (default: any free port).")
@google_options
@output_options
@command_boundary
@click.pass_obj
def auth_login(obj: CliContext, client_file: Path, no_browser: bool, port: int) -> None:
    """Sign in as yourself (installed-app flow); the token is kept 0600 in your config folder.

    \b
    Example:
      mapws auth login --client ~/Downloads/client_secret_123.json
    """
    from map_workspace.backends.google.auth import login, token_path

    identity = login(client_file, obj.config(backend="google", dir=None, today=None),
                     open_browser=not no_browser, port=port)
    report.print_login(identity.principal, identity.scopes, token_path(), obj.as_json)


@auth.command(name="check")
@google_options
@output_options
@command_boundary
@click.pass_obj
def auth_check(obj: CliContext) -> None:
    """Say which identity mapws uses, which scopes it holds, and whether the folder is writable.

    \b
    Example:
      mapws auth check --folder 1AbCdEf
    """
    from map_workspace.backends.google.auth import check

    report.print_auth_check(check(obj.config(backend="google", dir=None, today=None)), obj.as_json)


@auth.command(name="logout")
@output_options
@command_boundary
@click.pass_obj
def auth_logout(obj: CliContext) -> None:
    """Forget the cached Google token.

    \b
    Example:
      mapws auth logout
    """
    from map_workspace.backends.google.auth import logout, token_path

    report.print_logout(logout(), token_path(), obj.as_json)


@cli.command()
@click.argument("plan")
@click.argument("emails", nargs=-1, required=True, metavar="PERSON...")
@click.option("--commenter", is_flag=True, help="Comment only, instead of edit.")
@click.option("--allow-domain", "allow_domains", multiple=True, metavar="DOMAIN",
              help="Refuse addresses that are not at this domain. Repeatable (config: allow_domains).")
@click.option("--dry-run", is_flag=True, help="Say who would be added; share nothing.")
@common_options
@command_boundary
@click.pass_obj
def share(obj: CliContext, plan: str, emails: tuple[str, ...], commenter: bool, allow_domains: tuple[str, ...],
          dry_run: bool) -> None:
    """Share a plan with more people (Google): each named user, never a link.

    Name each person as lee@acme.com or "Lee Chen <lee@acme.com>".

    \b
    Example:
      mapws share acme-rollout lee@acme.com "Ann Ito <ann@acme.com>" --commenter
      mapws share acme-rollout lee@acme.com --allow-domain acme.com
    """
    from map_workspace import app

    config = obj.config(allow_domains=allow_domains or None)
    result = app.share_plan(obj.store(config), plan, emails, commenter=commenter, dry_run=dry_run, config=config)
    report.print_shared(result, obj.as_json)


@cli.group()
def templates() -> None:
    """List, show and check plan templates."""


@templates.command(name="list")
@output_options
@command_boundary
@click.pass_obj
def templates_list(obj: CliContext) -> None:
    """List the templates shipped with mapws.

    \b
    Example:
      mapws templates list
    """
    from map_workspace.template_files import list_templates

    report.print_templates(list_templates(), obj.as_json)


@templates.command(name="show")
@click.argument("name")
@output_options
@command_boundary
@click.pass_obj
def templates_show(obj: CliContext, name: str) -> None:
    """Show a template's roles, activities and risks.

    \b
    Example:
      mapws templates show enterprise
    """
    from map_workspace.template_files import load_template

    report.print_template(load_template(name), obj.as_json)


@templates.command(name="check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@output_options
@command_boundary
@click.pass_obj
def templates_check(obj: CliContext, file: Path) -> None:
    """Validate a template file; exit 2 with every problem listed when it is invalid.

    \b
    Example:
      mapws templates check my-playbook.toml
    """
    if not file.exists():
        raise UsageError(f"No file at {file}.", "Give the path of a .toml template.")
    from map_workspace.errors import TemplateError
    from map_workspace.template_files import check_template_file

    problems = check_template_file(file)
    report.print_template_check(file, problems, obj.as_json)
    if problems:
        raise TemplateError(f"{file} is not a valid template ({len(problems)} problem(s)).", problems,
                            "Fix the problems listed and run the check again.")


@templates.command(name="publish")
@click.argument("name")
@common_options
@command_boundary
@click.pass_obj
def templates_publish(obj: CliContext, name: str) -> None:
    """Create the template spreadsheet in Drive; create then copies it (brand it by hand).

    \b
    Example:
      mapws templates publish enterprise --backend google
    """
    from map_workspace import app

    config = obj.config()
    ref = app.publish_template(obj.store(config), name, config)
    report.print_published(name, ref, obj.as_json)


@cli.command()
@_plans_dir("Where to put the demo plan (default ./mapws-demo).")
@_today("Pretend today is this date.")
@_json("Print the result as JSON.")
@_traceback()
@command_boundary
@click.pass_obj
def demo(obj: CliContext) -> None:
    """Show the whole loop on a sample deal: create, a buyer's edits, sync, summary.

    \b
    Example:
      mapws demo --dir /tmp/mapws-demo
    """
    from datetime import date

    from map_workspace import app
    from map_workspace.config import parse_day
    from map_workspace.demo import run_demo

    today = obj.values.get("today")
    day = parse_day(today, "--today") if today else date.today()
    result = run_demo(app.demo_dir(obj.values.get("plans_dir")), day,
                      echo=(lambda _m: None) if obj.as_json else click.echo)
    if obj.as_json:
        report.echo_json(result)


def main() -> None:
    cli(prog_name="mapws")
