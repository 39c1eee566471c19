"""The command line: parse options, make one library call, print, map errors to exit codes."""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from map_workspace import __version__, app
from map_workspace.config import Config, config_path, load_config, parse_day, write_config
from map_workspace.domain.model import Finding, Person, Severity
from map_workspace.errors import MapwsError, PolicyTripped, UsageError
from map_workspace.private import PrivateDeal, parse_forecast
from map_workspace.report import terminal_safe

EXIT_INTERRUPTED = 130


# --- the error boundary ------------------------------------------------------------------------

def _emit_error(exc: MapwsError, as_json: bool) -> None:
    # A tripped policy comes after the result was printed: stdout keeps its one JSON result and
    # the exit code (1) says which policy; the words go to stderr.
    if as_json and not isinstance(exc, PolicyTripped):
        click.echo(json.dumps({"error": exc.as_json()}, ensure_ascii=False))
    click.secho(terminal_safe(f"Error: {exc.message}"), fg="red", err=True)
    if exc.hint:
        click.echo(terminal_safe(f"  → {exc.hint}"), err=True)


def command_boundary(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures into a message and an exit code (PRODUCT.md, Exit codes)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))
        show_tb = bool(kwargs.get("show_traceback"))
        try:
            return fn(*args, **kwargs)
        except MapwsError as exc:
            if show_tb:
                traceback.print_exc()
            _emit_error(exc, as_json)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # The reader went away (mapws list | head): not an error worth a message.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except click.exceptions.Exit:
            raise
        except (click.ClickException, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 — the last line of defence: no bare traceback
            if show_tb:
                traceback.print_exc()
            err = MapwsError(f"Unexpected {type(exc).__name__}: {exc}",
                             "Run again with --traceback and report it, with the plan file if you can share it.")
            _emit_error(err, as_json)
            sys.exit(3)

    return wrapper


def common_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options every command understands."""
    options = [
        click.option("--backend", type=click.Choice(["local", "google"]), default=None,
                     help="Where plans live (env MAPWS_BACKEND; default local)."),
        click.option("--dir", "plans_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Folder of local plans (env MAPWS_DIR; default ./maps)."),
        click.option("--today", default=None, metavar="YYYY-MM-DD",
                     help="Reason as if today were this date (env MAPWS_TODAY)."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout."),
        click.option("--verbose", "-v", is_flag=True, help="Say more about what is happening."),
        click.option("--traceback", "show_traceback", is_flag=True, help="Show the traceback of an error."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return google_options(fn)


def output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--json and --traceback, for commands that take no plan options."""
    fn = click.option("--traceback", "show_traceback", is_flag=True, help="Show the traceback of an error.")(fn)
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(fn)


def google_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Where the Google backend finds its identity and files (ignored by the local backend)."""
    options = [
        click.option("--credentials", default=None, metavar="FILE",
                     help="Google: a service-account key or OAuth client file (env MAPWS_CREDENTIALS)."),
        click.option("--folder", default=None, metavar="ID", help="Google: Drive folder for plans (env MAPWS_FOLDER)."),
        click.option("--impersonate", default=None, metavar="EMAIL",
                     help="Google: act as this user by domain-wide delegation (env MAPWS_IMPERSONATE)."),
        click.option("--api-root", default=None, metavar="URL",
                     help="Google: send every call to this base URL, e.g. an emulator (env MAPWS_GOOGLE_API_ROOT)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _config(backend: str | None, plans_dir: Path | None, today: str | None, **extra: Any) -> Config:
    google = {"credentials": extra.pop("credentials", None), "folder": extra.pop("folder", None),
              "impersonate": extra.pop("impersonate", None), "google_api_root": extra.pop("api_root", None)}
    flags = {"backend": backend, "dir": plans_dir, "today": today, **google, **extra}
    return load_config(flags)


def _echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def _parse_people(values: tuple[str, ...], option: str) -> list[Person]:
    people = []
    for value in values:
        try:
            people.append(Person.parse(value))
        except ValueError:
            raise UsageError(f"{option} '{value}' is not 'Name <email>'.",
                             f'Write it as {option} "Dana Tanaka <dana@acme.com>".') from None
    return people


# --- the commands ------------------------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="mapws")
def cli() -> None:
    """mapws — Mutual Action Plans in the spreadsheet the buyer already uses.

    \b
    Create a plan, share it, let the buyer edit it, sync it every night:
      mapws create "Acme rollout" --decision-date 2026-06-30 --buyer "Dana Tanaka <dana@acme.com>"
      mapws sync acme-rollout
      mapws summary acme-rollout --pdf
    Try the whole loop on sample data first: mapws demo
    """


@cli.command()
@common_options
@click.option("--seller", default=None, help='You, the rep: "Name <email>" (used as the seller on new plans).')
@click.option("--seller-company", default=None, help="Your company's name, shown on every plan.")
@click.option("--locale", default=None, help="How buyers write dates, e.g. en_US, en_GB, de_DE, ja_JP.")
@click.option("--timezone", default=None, help="IANA time zone for History and TODAY(), e.g. Europe/Berlin.")
@click.option("--create-folder", default=None, metavar="NAME",
              help="Google: create a Drive folder the app owns (inside --folder when given) and use it for plans.")
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@command_boundary
def init(backend, plans_dir, today, as_json, verbose, show_traceback, seller, seller_company, locale,
         timezone, create_folder, force, **google) -> None:
    """Write a config file, and create the plans folder (local) or a Drive folder (Google).

    \b
    Examples:
      mapws init --seller "Sam Rivera <sam@seller.io>" --seller-company "Seller.io" --dir ~/maps
      mapws init --backend google --credentials ~/keys/mapws.json --folder SHARED_DRIVE_FOLDER_ID \\
        --create-folder "MAPs"
    """
    path = config_path()
    if path.exists() and not force:
        raise UsageError(f"A config file already exists at {path}.", "Pass --force to overwrite it.")
    if seller:
        _parse_people((seller,), "--seller")
    settings: dict[str, Any] = {
        "backend": backend or "local", "seller": seller, "seller_company": seller_company, "locale": locale,
        "timezone": timezone, "credentials": google.get("credentials"), "folder": google.get("folder"),
        "impersonate": google.get("impersonate"), "google_api_root": google.get("api_root"),
    }
    if settings["backend"] == "local":
        settings["dir"] = str((plans_dir or Path("maps")).expanduser().resolve())
    elif create_folder:
        from map_workspace.backends.google.auth import create_folder as make_folder

        google_flags = {"credentials": google.get("credentials"), "folder": google.get("folder"),
                        "impersonate": google.get("impersonate"), "google_api_root": google.get("api_root")}
        folder = make_folder(load_config({"backend": "google", **google_flags}, missing_ok=True), create_folder)
        settings["folder"] = folder["id"]
    if settings.get("credentials"):
        settings["credentials"] = str(Path(settings["credentials"]).expanduser().resolve())
    write_config(path, settings)
    config = load_config({})
    if config.backend == "local":
        config.dir.mkdir(parents=True, exist_ok=True)
    if as_json:
        _echo_json({"config": str(path), "dir": str(config.dir), "backend": config.backend,
                    "folder": config.folder or None})
    else:
        click.echo(f"Wrote {path}")
        if config.backend == "local":
            click.echo(f"Plans go to {config.dir}")
        elif config.folder:
            click.echo(f"Plans go to the Drive folder {config.folder}")
        click.echo('Next: mapws create "Deal name" --decision-date YYYY-MM-DD --buyer "Name <email>"')


@cli.command()
@click.argument("deal")
@click.option("--decision-date", required=True, metavar="YYYY-MM-DD", help="The buyer's target decision date.")
@click.option("--buyer", "buyers", multiple=True, metavar='"Name <email>"',
              help="A buyer contact; the first is the champion. Repeatable.")
@click.option("--seller", "sellers", multiple=True, metavar='"Name <email>"',
              help="A seller contact; the first is the account executive. Repeatable.")
@click.option("--role", "roles", multiple=True, metavar='ROLE="Name <email>"',
              help="Name the person for a template role, e.g. buyer.cfo=\"Ann Lee <ann@acme.com>\".")
@click.option("--template", default="enterprise", show_default=True, help="Template name or .toml path.")
@click.option("--buyer-company", default=None, help="Buyer company (default: from the first buyer's email).")
@click.option("--seller-company", default=None, help="Seller company (default: config, or your email).")
@click.option("--commenter", is_flag=True, help="Google: share with buyers as commenters instead of editors.")
@click.option("--deal-value", type=float, default=None, help="Seller-internal: kept on your side, never in the plan.")
@click.option("--forecast", default=None, help="Seller-internal forecast category (pipeline, best case, commit, …).")
@click.option("--internal-note", default=None, help="Seller-internal note: kept on your side, never in the plan.")
@click.option("--allow-domain", "allow_domains", multiple=True, metavar="DOMAIN",
              help="Refuse buyers whose address is not at this domain. Repeatable (config: allow_domains).")
@click.option("--dry-run", is_flag=True, help="Show what would be created; write nothing.")
@common_options
@command_boundary
def create(deal, decision_date, buyers, sellers, roles, template, buyer_company, seller_company, commenter,
           deal_value, forecast, internal_note, allow_domains, dry_run,
           backend, plans_dir, today, as_json, verbose, show_traceback, **google) -> None:
    """Create a plan from a template, scheduled back from the decision date.

    \b
    Example:
      mapws create "Acme rollout" --decision-date 2026-06-30 \\
        --buyer "Dana Tanaka <dana@acme.com>" --seller "Sam Rivera <sam@seller.io>" \\
        --role buyer.cfo="Lee Chen <lee@acme.com>"
    """
    config = _config(backend, plans_dir, today, allow_domains=allow_domains or None, **google)
    role_map: dict[str, Person] = {}
    for value in roles:
        key, sep, person = value.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--role '{value}' is not ROLE=\"Name <email>\".",
                             'Write it as --role buyer.cfo="Lee Chen <lee@acme.com>"; '
                             "'mapws templates show NAME' lists the roles.")
        role_map[key.strip()] = _parse_people((person,), "--role")[0]
    req = app.CreateRequest(
        deal=deal, decision=parse_day(decision_date, "--decision-date"),
        buyers=_parse_people(buyers, "--buyer"), sellers=_parse_people(sellers, "--seller"), roles=role_map,
        template=template, buyer_company=buyer_company or "", seller_company=seller_company or "",
        commenter=commenter,
    )
    private = PrivateDeal(deal_value, parse_forecast(forecast), internal_note or "")
    store = app.make_store(config)
    result = app.create_plan(store, req, config, dry_run=dry_run)
    if not dry_run and not private.empty:
        app.remember_private(store, result.ref, private, config)
    if as_json:
        _echo_json(result.as_json())
        return
    verb = "Would create" if dry_run else "Created"
    click.echo(f"{verb} {result.ref.id}")
    click.echo(f"  {len(result.plan.items)} items from the '{result.plan.template}' template, decision "
               f"{req.decision.isoformat()}")
    for f in result.findings:
        if f.code == "schedule.compressed":
            click.echo(f"  ! {f.message}")
    unassigned: dict[str, list[str]] = {}
    for item in result.plan.items:
        if not item.owner:
            unassigned.setdefault(item.role or "no role", []).append(item.id)
    if unassigned:
        click.echo(f"  ! {sum(map(len, unassigned.values()))} item(s) need an owner (flagged 'Needs owner'):")
        for role, ids in sorted(unassigned.items()):
            click.echo(f"      {role:<22} {', '.join(ids)}")
        click.echo('    Name them with --role ROLE="Name <email>", or type a name into their Owner cells.')
    if result.shared_with:
        click.echo(f"  Shared with: {', '.join(result.shared_with)}")
    elif not dry_run and req.buyers:
        click.echo(f"  Send the file to: {', '.join(str(p) for p in req.buyers)}")
    if not dry_run:
        click.echo(f"Next: open it, then run 'mapws sync {result.ref.slug}' after the buyer's edits.")


def _print_findings(findings: tuple[Finding, ...], verbose: bool) -> None:
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    shown = [f for f in findings if verbose or f.severity is not Severity.INFO]
    for f in sorted(shown, key=lambda f: (order[f.severity], f.tab, f.id or "", f.code)):
        where = " ".join(x for x in (f.tab, f.cell or "", f.id or "") if x)
        colour = {"error": "red", "warning": "yellow", "info": None}[f.severity.value]
        click.secho(terminal_safe(f"  {f.severity.value:<7} {where:<16} {f.message}"), fg=colour)
        if f.hint and verbose:
            click.echo(terminal_safe(f"  {'':<24}→ {f.hint}"))


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
@click.option("--workers", type=int, default=None, help="With --all: plans synced at once (default 1 local, "
              "8 google).")
@click.option("--state", default=None, metavar="PATH|drive",
              help="With --all: the state store (env MAPWS_STATE; default: SQLite in the user data dir); "
              "'drive' keeps it in one app-owned Google Drive file, for hosts thrown away after each run.")
@click.option("--wait", is_flag=True, help="With --all: queue behind a run already in progress.")
@click.option("--impersonate-owners", is_flag=True,
              help="With --all on Google: sync each plan as its owner (service account with domain-wide "
              "delegation), so each rep's own per-minute quota is used; --max-rpm applies per owner.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@common_options
@command_boundary
def sync(plan, all_plans, dry_run, strict, fail_on, shard, max_rpm, workers, state, wait, impersonate_owners, quiet,
         backend, plans_dir, today, as_json, verbose, show_traceback, **google) -> None:
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
    """
    config = _config(backend, plans_dir, today, max_rpm=max_rpm, state=state, **google)
    store = app.make_store(config)
    if all_plans == bool(plan):
        raise UsageError("Name one PLAN, or pass --all.", "Example: mapws sync acme-rollout")
    if all_plans:
        _sync_all(store, config, dry_run=dry_run, planned=dry_run, strict=strict, fail_on=fail_on,
                  as_json=as_json, verbose=verbose, shard=shard, workers=workers, wait=wait, quiet=quiet,
                  impersonate_owners=impersonate_owners)
        return
    if impersonate_owners:
        raise UsageError("--impersonate-owners goes with --all.", "Example: mapws sync --all --impersonate-owners")
    outcome = app.sync_plan(store, plan, config, dry_run=dry_run)
    if as_json:
        _echo_json(outcome.as_json(planned=dry_run))
    else:
        _print_outcome(outcome, dry_run, verbose)
    _check_policy([outcome], strict, fail_on)


def _print_outcome(outcome: app.SyncOutcome, dry_run: bool, verbose: bool) -> None:
    a = outcome.result.assessment
    n = outcome.result.changes.count
    did = f"would write {n} change(s)" if dry_run else (f"{n} change(s) written" if outcome.written
                                                         else "nothing to write")
    projected = a.projected_decision.isoformat() if a.projected_decision else "unknown"
    click.echo(f"{outcome.ref.slug}: {did} · {a.progress.text} · {a.health.label} · projected decision "
               f"{projected}")
    _print_findings(outcome.result.findings, verbose)
    if dry_run and verbose:
        for change in outcome.result.changes.describe():
            click.echo(f"  plan: {json.dumps(change, ensure_ascii=False, default=str)}")


def _check_policy(outcomes: list[app.SyncOutcome], strict: bool, fail_on: str | None) -> None:
    if strict and any(f.severity is Severity.ERROR for o in outcomes for f in o.result.findings):
        raise PolicyTripped("Error findings remain (--strict).", "Fix the cells named above and sync again.")
    if fail_on == "overdue" and any(f.code in ("item.overdue", "item.stalled")
                                    for o in outcomes for f in o.result.findings):
        raise PolicyTripped("Some items are overdue (--fail-on overdue).", "See the findings above.")


def _sync_all(store, config, *, dry_run, planned, strict, fail_on, as_json, verbose, shard=None, workers=None,
              wait=False, quiet=False, impersonate_owners=False) -> None:
    from map_workspace import nightly, report
    from map_workspace.ratelimit import RateLimiter, Unlimited

    shard_spec = nightly.Shard.parse(shard)
    limiter = RateLimiter(config.max_rpm) if store.traits.rate_limited else Unlimited()
    lanes = nightly.owner_lanes(store, config, lambda: RateLimiter(config.max_rpm), limiter) \
        if impersonate_owners else None
    state = nightly.open_state(store, config, shard_spec)
    night = nightly.Night(limiter=limiter, lanes=lanes)
    progress = report.progress_bar(enabled=not quiet and not as_json)
    runs = None
    try:
        runs = nightly.sync_every_plan(
            store, config, state=state, limiter=limiter, shard=shard_spec,
            workers=workers or store.traits.default_workers, dry_run=dry_run, wait=wait,
            on_listed=progress.start, on_resume=lambda prev: setattr(night, "resumed", prev), lanes=lanes,
        )
        for run in runs:
            night.runs.append(run)
            progress.advance(run.ref.slug)
            if as_json:
                out = run.as_json()
                if planned and run.outcome is not None:
                    out["planned"] = run.outcome.result.changes.describe()
                _echo_json(out)
            elif verbose or run.error is not None:
                report.print_run(run, dry_run=dry_run, verbose=verbose)
    finally:
        progress.stop()
        if runs is not None:
            runs.close()  # on an interruption: the run's own cleanup (e.g. saving the state to Drive) first
        state.close()
    totals = night.totals()
    if state.problem is not None:
        totals["state_error"] = state.problem.as_json()
    if as_json:
        _echo_json({"totals": totals})
    else:
        report.print_night(night)
    if state.problem is not None:
        _emit_error(state.problem, as_json=False)
    if night.failed or state.problem is not None:
        sys.exit(3)
    _check_policy([r.outcome for r in night.runs if r.outcome is not None], strict, fail_on)


@cli.command()
@click.argument("plan", required=False)
@click.option("--all", "all_plans", is_flag=True, help="Every plan in the plans folder.")
@common_options
@command_boundary
def status(plan, all_plans, backend, plans_dir, today, as_json, verbose, show_traceback, **google) -> None:
    """Show what a sync would find, without writing anything.

    \b
    Examples:
      mapws status acme-rollout --json
      mapws status --all
    """
    config = _config(backend, plans_dir, today, **google)
    if all_plans == bool(plan):
        raise UsageError("Name one PLAN, or pass --all.", "Example: mapws status acme-rollout")
    if all_plans:
        _sync_all(app.make_store(config), config, dry_run=True, planned=False, strict=False, fail_on=None,
                  as_json=as_json, verbose=verbose)
        return
    outcome = app.sync_plan(app.make_store(config), plan, config, dry_run=True)
    if as_json:
        _echo_json(outcome.as_json())
    else:
        _print_outcome(outcome, False, verbose)


@cli.command()
@click.argument("plan")
@click.option("--light", is_flag=True, help="Next steps and milestones only: for buyers who want one page.")
@click.option("--pdf", is_flag=True, help="Also convert it to PDF (needs LibreOffice locally).")
@common_options
@command_boundary
def summary(plan, light, pdf, backend, plans_dir, today, as_json, verbose, show_traceback, **google) -> None:
    """Write the one-page summary: where we are, next steps, what needs attention.

    \b
    Example:
      mapws summary acme-rollout --pdf
    """
    config = _config(backend, plans_dir, today, **google)
    result = app.write_summary(app.make_store(config), plan, config, light=light, pdf=pdf)
    if as_json:
        _echo_json({"document": result.document, "url": result.url, "pdf": result.pdf})
    else:
        click.echo(f"Wrote {result.document}")
        if result.pdf:
            click.echo(f"Wrote {result.pdf}")


@cli.command(name="list")
@common_options
@command_boundary
def list_command(backend, plans_dir, today, as_json, verbose, show_traceback, **google) -> None:
    """List the plans in the plans folder.

    \b
    Example:
      mapws list --dir ~/maps
    """
    config = _config(backend, plans_dir, today, **google)
    store = app.make_store(config)
    refs = app.list_plans(store)
    private = app.private_facts(store, refs, config)
    if as_json:
        _echo_json({"plans": [{"plan": r.id, "url": r.url, "slug": r.slug, "title": r.title,
                               "private": vars(private[r.id]) if not private[r.id].empty else None}
                              for r in refs]})
        return
    if not refs:
        click.echo(f"No plans in {config.dir}. Create one with 'mapws create' or try 'mapws demo'.")
    for r in refs:
        p = private[r.id]
        extra = " · ".join(x for x in (f"{p.deal_value:,.0f}" if p.deal_value is not None else "", p.forecast) if x)
        click.echo(f"{r.slug:<32} {r.id}" + (f"  [{extra}]" if extra else ""))


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
def auth_login(client_file, no_browser, port, as_json, show_traceback, **google) -> None:
    """Sign in as yourself (installed-app flow); the token is kept 0600 in your config folder.

    \b
    Example:
      mapws auth login --client ~/Downloads/client_secret_123.json
    """
    from map_workspace.backends.google.auth import login, token_path

    config = _config("google", None, None, **google)
    identity = login(client_file, config, open_browser=not no_browser, port=port)
    if as_json:
        _echo_json({"principal": identity.principal, "scopes": list(identity.scopes), "token": str(token_path())})
    else:
        click.echo(f"Signed in as {identity.principal}; token kept in {token_path()} (readable by you only).")


@auth.command(name="check")
@google_options
@output_options
@command_boundary
def auth_check(as_json, show_traceback, **google) -> None:
    """Say which identity mapws uses, which scopes it holds, and whether the folder is writable.

    \b
    Example:
      mapws auth check --folder 1AbCdEf
    """
    from map_workspace.backends.google.auth import check

    report = check(_config("google", None, None, **google))
    if as_json:
        _echo_json(report)
        return
    click.echo(f"Identity: {report['principal']}")
    click.echo(f"Found:    {report['source']}")
    broad = "  (broader than drive.file: opted in)" if report["broad_scopes"] else ""
    click.echo(f"Scopes:   {', '.join(report['scopes'])}{broad}")
    folder = report.get("folder")
    if folder:
        state = "writable" if folder["writable"] else "NOT writable"
        click.echo(f"Folder:   {folder['name']} ({folder['id']}): {state}")
    for warning in report.get("warnings", []):
        click.secho(f"Warning:  {warning}", fg="yellow")


@auth.command(name="logout")
@output_options
@command_boundary
def auth_logout(as_json, show_traceback) -> None:
    """Forget the cached Google token.

    \b
    Example:
      mapws auth logout
    """
    from map_workspace.backends.google.auth import logout, token_path

    removed = logout()
    if as_json:
        _echo_json({"removed": removed, "token": str(token_path())})
    else:
        click.echo(f"Removed {token_path()}." if removed else "No cached token to remove.")


@cli.command()
@click.argument("plan")
@click.argument("emails", nargs=-1, required=True)
@click.option("--commenter", is_flag=True, help="Comment only, instead of edit.")
@click.option("--allow-domain", "allow_domains", multiple=True, metavar="DOMAIN",
              help="Refuse addresses that are not at this domain. Repeatable (config: allow_domains).")
@click.option("--dry-run", is_flag=True, help="Say who would be added; share nothing.")
@common_options
@command_boundary
def share(plan, emails, commenter, allow_domains, dry_run, backend, plans_dir, today, as_json, verbose,
          show_traceback, **google) -> None:
    """Share a plan with more people (Google): each named user, never a link.

    \b
    Example:
      mapws share acme-rollout lee@acme.com ann@acme.com --commenter
      mapws share acme-rollout lee@acme.com --allow-domain acme.com
    """
    config = _config(backend, plans_dir, today, allow_domains=allow_domains or None, **google)
    store = app.make_store(config)
    sharer = store.sharer()
    for email in emails:
        if "@" not in email:
            raise UsageError(f"'{email}' is not an email address.", "Example: mapws share acme-rollout lee@acme.com")
    ref = store.locate(plan)
    added = sharer.share(ref, emails, role="commenter" if commenter else "writer",
                        message=app.invitation(ref.title or ref.slug, None), dry_run=dry_run)
    if as_json:
        _echo_json({"plan": ref.id, "shared_with": list(added), "role": "commenter" if commenter else "writer",
                    "dry_run": dry_run})
    else:
        verb = "Would share" if dry_run else "Shared"
        click.echo(f"{verb} {ref.slug} with {', '.join(added) or 'nobody new'}.")


@cli.group()
def templates() -> None:
    """List, show and check plan templates."""


@templates.command(name="list")
@output_options
@command_boundary
def templates_list(as_json, show_traceback) -> None:
    """List the templates shipped with mapws.

    \b
    Example:
      mapws templates list
    """
    from map_workspace.template_files import list_templates

    rows = list_templates()
    if as_json:
        _echo_json({"templates": [{"name": n, "description": d} for n, d in rows]})
        return
    for name, description in rows:
        click.echo(f"{name:<14} {description}")


@templates.command(name="show")
@click.argument("name")
@output_options
@command_boundary
def templates_show(name, as_json, show_traceback) -> None:
    """Show a template's roles, activities and risks.

    \b
    Example:
      mapws templates show enterprise
    """
    from map_workspace.template_files import load_template

    t = load_template(name)
    if as_json:
        _echo_json({
            "name": t.name, "description": t.description,
            "roles": [{"key": r.key, "side": r.side.value, "title": r.title} for r in t.roles],
            "activities": [{"key": a.key, "type": a.type.value, "activity": a.activity, "side": a.side.value,
                            "owner_role": a.owner_role, "duration_days": a.duration_days,
                            "buffer_days": a.buffer_days, "depends_on": list(a.depends_on)}
                           for a in t.activities],
            "risks": [{"risk": r.risk, "probability": r.probability.value, "impact": r.impact.value}
                      for r in t.risks],
        })
        return
    click.echo(f"{t.name}: {t.description}")
    click.echo("\nRoles (name people with --buyer, --seller and --role ROLE=\"Name <email>\"):")
    for r in t.roles:
        click.echo(f"  {r.key:<24} {r.side.value:<7} {r.title}")
    click.echo("\nActivities:")
    for a in t.activities:
        deps = f" after {', '.join(a.depends_on)}" if a.depends_on else ""
        days = f"{a.duration_days}+{a.buffer_days}d" if a.type.value == "Task" else "milestone"
        click.echo(f"  {a.key:<24} {a.side.value:<7} {days:<10} {a.activity}{deps}")
    click.echo("\nRisks:")
    for risk in t.risks:
        click.echo(f"  {risk.probability.value}/{risk.impact.value}: {risk.risk}")


@templates.command(name="check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@output_options
@command_boundary
def templates_check(file, as_json, show_traceback) -> None:
    """Validate a template file; exit 2 with every problem listed when it is invalid.

    \b
    Example:
      mapws templates check my-playbook.toml
    """
    from map_workspace.errors import TemplateError
    from map_workspace.template_files import check_template_file

    if not file.exists():
        raise UsageError(f"No file at {file}.", "Give the path of a .toml template.")
    problems = check_template_file(file)
    if as_json and not problems:
        _echo_json({"template": str(file), "ok": True, "problems": []})
    if problems:
        if not as_json:
            click.echo(f"{file}: {len(problems)} problem(s)")
            for p in problems:
                click.echo(f"  - {p}")
        raise TemplateError(f"{file} is not a valid template ({len(problems)} problem(s)).", problems,
                            "Fix the problems listed and run the check again.")
    if not as_json:
        click.echo(f"{file}: OK")


@templates.command(name="publish")
@click.argument("name")
@common_options
@command_boundary
def templates_publish(name, backend, plans_dir, today, as_json, verbose, show_traceback, **google) -> None:
    """Create the template spreadsheet in Drive; create then copies it (brand it by hand).

    \b
    Example:
      mapws templates publish enterprise --backend google
    """
    config = _config(backend, plans_dir, today, **google)
    ref = app.publish_template(app.make_store(config), name, config)
    if as_json:
        _echo_json({"template": name, "id": ref.id, "url": ref.url})
    else:
        click.echo(f"Published the '{name}' template: {ref.url}")
        click.echo("Brand it in Sheets (logo, colours, extra tabs); 'mapws create' now copies it.")


@cli.command()
@click.option("--dir", "demo_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to put the demo plan (default ./mapws-demo).")
@click.option("--today", default=None, metavar="YYYY-MM-DD", help="Pretend today is this date.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--traceback", "show_traceback", is_flag=True, help="Show the traceback of an error.")
@command_boundary
def demo(demo_dir, today, as_json, show_traceback) -> None:
    """Show the whole loop on a sample deal: create, a buyer's edits, sync, summary.

    \b
    Example:
      mapws demo --dir /tmp/mapws-demo
    """
    from map_workspace.demo import run_demo

    day = parse_day(today, "--today") if today else date.today()
    result = run_demo(app.demo_dir(demo_dir), day, echo=(lambda _m: None) if as_json else click.echo)
    if as_json:
        _echo_json(result)


def main() -> None:
    cli(prog_name="mapws")
