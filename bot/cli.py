"""Command line: `clinic-bot` / `python -m bot`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shlex
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot import memory
from bot.config.clinic_folder import (
    FOLDER,
    KINDS,
    ContentFiles,
    FolderError,
    content_files,
    init_folder,
)
from bot.config.content import Content, load_content_files
from bot.config.settings import Settings, SettingsError, load_settings
from bot.logs import redact, setup_logging
from bot.store import dbfile
from bot.store.database import StorageError
from bot.store.schema import MIGRATIONS
from contentfile import ContentError, read_yaml
from faq.evaluate import evaluate, parse_cases
from faq.kb import FEW_ALTERNATES, thin_entries
from faq.matcher import Answer, NoMatch, SmallTalkReply, Suggestions
from faq.spelling import likely_misspellings

EXIT_BAD_INPUT = 2
log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    args = _parser().parse_args(argv)
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    try:
        return int(args.func(args))
    except (
        SettingsError,
        ContentError,
        FolderError,
        StorageError,
        dbfile.DatabaseFileError,
    ) as exc:
        print(redact(f"clinic-bot: error: {exc}", token), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `clinic-bot faq eval … | head`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception:
        # A bug: the traceback helps whoever runs the bot, but never with the token in it
        # (python-telegram-bot puts it in some error texts and URLs).
        print(redact(traceback.format_exc(), token), end="", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clinic-bot",
        description="Front desk of a massage clinic as a Telegram bot. With no command: "
        "runs in Telegram when TELEGRAM_BOT_TOKEN is set, otherwise chats in the terminal.",
    )
    parser.set_defaults(func=_default)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    run = sub.add_parser("run", help="run the bot in Telegram (long polling or --webhook)")
    run.add_argument("--webhook", metavar="URL", help="public HTTPS URL Telegram posts updates to")
    run.set_defaults(func=_run)
    chat = sub.add_parser("chat", help="chat with the bot in this terminal, no Telegram needed")
    chat.add_argument("--db", default=":memory:", help="SQLite file to keep (default: none)")
    chat.set_defaults(func=_chat)
    export = sub.add_parser("export", help="write all requests to a CSV file (CLINIC_DB)")
    export.add_argument("file", help="the CSV file to write, e.g. requests.csv")
    export.set_defaults(func=_export)
    init = sub.add_parser(
        "init", help="write editable copies of the clinic's files into a folder (CLINIC_DIR)"
    )
    init.add_argument("folder", metavar="DIR", help="the folder to write, made if missing")
    init.add_argument("--force", action="store_true", help="overwrite files already there")
    init.set_defaults(func=_init)
    check = sub.add_parser(
        "check", help="validate every YAML file the bot loads, and say where each comes from"
    )
    check.set_defaults(func=_check)
    faq = sub.add_parser("faq", help="work with the FAQ knowledge base")
    faq.set_defaults(func=lambda _: _usage(faq))
    faq_sub = faq.add_subparsers(metavar="ACTION")
    fcheck = faq_sub.add_parser("check", help="validate the knowledge base")
    fcheck.add_argument("file", nargs="?", help="default: the knowledge base in use")
    fcheck.set_defaults(func=_faq_check)
    ask = faq_sub.add_parser("ask", help="show how the bot would handle a message")
    ask.add_argument("message")
    ask.set_defaults(func=_faq_ask)
    ev = faq_sub.add_parser("eval", help="measure accuracy on a file of labelled messages")
    ev.add_argument("cases")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.set_defaults(func=_faq_eval)
    learned = faq_sub.add_parser(
        "learned", help="print the phrasings staff taught the bot (from /unanswered) as YAML"
    )
    learned.add_argument(
        "--merge",
        action="store_true",
        help="write them into the clinic's own knowledge_base.yaml (CLINIC_DIR)",
    )
    learned.set_defaults(func=_faq_learned)
    safety = sub.add_parser("safety", help="show what the safety check finds in a message")
    safety.add_argument("message")
    safety.set_defaults(func=_safety)
    return parser


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_BAD_INPUT


def _files(settings: Settings) -> ContentFiles:
    return content_files(settings.clinic_config, settings.clinic_dir)


def _content(
    settings: Settings, files: ContentFiles | None = None, *, logged: bool = False
) -> Content:
    """Load the content; notes about the files (see content_files) go to stderr or the log."""
    files = files or _files(settings)
    for note in files.notes:
        if logged:
            log.warning("event=content_note %s", note)
        else:
            print(note, file=sys.stderr)
    memory.before_loading()
    content = load_content_files(files)
    memory.after_loading()
    return content


def _default(args: argparse.Namespace) -> int:
    settings = load_settings(telegram=False)
    if settings.token:
        return _run(args)
    print("TELEGRAM_BOT_TOKEN is not set, so here is the bot in your terminal.")
    print("To run it in Telegram, see 'Settings' in the README.\n")
    args.db = ":memory:"
    return _chat(args)


def _private_files() -> None:
    """Create every file from here on readable by this user only (database, -wal, CSV)."""
    os.umask(0o077)


def _database_usable(path: Path) -> None:
    """Refuse a database the bot cannot use now, before the content takes seconds to load."""
    dbfile.inspect(path, len(MIGRATIONS))


def _run(args: argparse.Namespace) -> int:
    # Imported late: the other commands do not need the Telegram wiring.
    from bot.telegram.runner import run_bot

    settings = load_settings()
    _private_files()
    setup_logging(settings)
    _database_usable(settings.db_path)
    return run_bot(
        settings, _content(settings, logged=True), webhook_url=getattr(args, "webhook", None)
    )


def _chat(args: argparse.Namespace) -> int:
    from bot.console import run_console

    settings = load_settings(telegram=False)
    _private_files()
    if args.db != ":memory:":
        _database_usable(Path(args.db))
    asyncio.run(run_console(_content(settings), args.db))
    return 0


def _export(args: argparse.Namespace) -> int:
    from bot.services.export import export_requests

    settings = load_settings(telegram=False)
    if not settings.db_path.exists():
        raise SettingsError(f"CLINIC_DB: no database at {settings.db_path}")
    _private_files()
    _database_usable(settings.db_path)
    content = _content(settings)
    try:
        count = asyncio.run(export_requests(settings.db_path, args.file, content.questionnaire))
    except OSError as exc:
        raise SettingsError(f"cannot write {args.file}: {exc.strerror or exc}") from None
    print(f"Wrote {count} requests to {args.file}")
    return 0


def _init(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    init_folder(folder, force=args.force)
    where = shlex.quote(str(folder.absolute()))
    print(f"Wrote the clinic's files to {folder.absolute()}:")
    for kind in KINDS:
        print(f"  {kind.name:<22} {kind.title}")
    print(f"  {'README.md':<22} what each file holds")
    print(
        "\nNext steps:\n"
        f"  1. Edit {folder / 'clinic.yaml'}: your clinic's name, address, phone, hours and "
        "prices (the demo details are fake), then the other files as you need.\n"
        "     A file you remove from the folder is read from the shipped copy.\n"
        f"  2. Check them: CLINIC_DIR={where} clinic-bot check\n"
        f"  3. Run the bot with them: CLINIC_DIR={where} clinic-bot run\n"
        "     (TELEGRAM_BOT_TOKEN and STAFF_CHAT_ID set; see 'Settings' in the README)."
    )
    if os.environ.get("CLINIC_CONFIG", "").strip():
        print(
            "\nnote: CLINIC_CONFIG is set: while it is, the clinic settings come from it, "
            f"not from {folder / 'clinic.yaml'}"
        )
    return 0


def _check(args: argparse.Namespace) -> int:
    settings = load_settings(telegram=False)
    files = _files(settings)
    content = _content(settings, files)
    print("Files in use:")
    for used in files.all():
        print(f"  {used.describe()}")
    second = content.safety.check.second
    learned = (
        f", a second opinion learned from {second.examples} examples" if second is not None else ""
    )
    print(
        f"OK: clinic settings, {len(content.kb.entries)} FAQ entries, messages, health check, "
        f"{len(content.safety.check.rules)} safety rules{learned}"
    )
    _check_calendar(content)
    version = dbfile.inspect(settings.db_path, len(MIGRATIONS))
    if version is None:
        print(f"OK: no database yet at {settings.db_path} (the bot creates it at start)")
    else:
        print(f"OK: database {settings.db_path} (schema version {version})")
    for warning in dbfile.check_warnings(settings.db_path):
        print(warning, file=sys.stderr)
    return 0


def _check_calendar(content: Content) -> None:
    """Say whether the calendar's password is there; like the token, check needs neither."""
    calendar = content.clinic.calendar
    if calendar is None:
        return
    try:
        calendar.password()
    except ContentError as exc:
        print(f"warning: {exc}: the bot will not start without it", file=sys.stderr)
        return
    print(f"OK: calendar {calendar.url} (password from {calendar.password_env})")


def _safety(args: argparse.Namespace) -> int:
    found = _content(load_settings(telegram=False)).safety.check.assess(args.message)
    kinds = sorted(found.kinds, reverse=True)
    print("kinds: " + (", ".join(k.name.lower() for k in kinds) or "none (goes on to the FAQ)"))
    return 0


def _faq_check(args: argparse.Namespace) -> int:
    settings = load_settings(telegram=False)
    files = _files(settings)
    if args.file is not None:
        files = replace(files, kb=replace(files.kb, path=Path(args.file)))
    kb_file = files.kb.path
    content = _content(settings, files)
    for typo in likely_misspellings(content.kb):
        print(
            f"note: {kb_file}: entry '{typo.entry}': field '{typo.field}': '{typo.word}' "
            f"looks like a misspelling of '{typo.suggestion}'. The bot corrects typos in "
            "messages itself, and a misspelt phrasing stops it correcting that one."
        )
    for entry in thin_entries(content.kb):
        print(
            f"warning: {kb_file}: entry '{entry.id}': field 'alternates': only "
            f"{len(entry.alternates)} (fewer than {FEW_ALTERNATES}). The bot answers this "
            "topic only when a message is close to its wording; add other ways clients ask it."
        )
    print(f"OK: {kb_file}: {len(content.kb.entries)} entries")
    return 0


def _faq_learned(args: argparse.Namespace) -> int:
    from bot.services import learned_file

    settings = load_settings(telegram=False)
    if not settings.db_path.exists():
        raise SettingsError(f"CLINIC_DB: no database at {settings.db_path}")
    _database_usable(settings.db_path)
    files = _files(settings)
    if args.merge and files.kb.source != FOLDER:
        raise SettingsError(
            "faq learned --merge writes into the clinic's own knowledge_base.yaml: run "
            "'clinic-bot init DIR' and set CLINIC_DIR=DIR first (the knowledge base in use "
            f"is {files.kb.describe()})"
        )
    content = _content(settings, files)
    found = asyncio.run(learned_file.waiting(settings.db_path, content.kb))
    for row in found.orphans:
        print(
            f"note: entry '{row.entry_id}' is no longer in {files.kb.path}: "
            f'"{row.text}" was left out',
            file=sys.stderr,
        )
    if not found.rows:
        print(f"No learned phrasings waiting ({found.merged} merged into the file already).")
        return 0
    if not args.merge:
        print(found.yaml(), end="")
        return 0
    try:
        added = learned_file.merge(files.kb.path, content.kb, found)
    except learned_file.MergeError as exc:
        raise SettingsError(f"{files.kb.path}: {exc}") from None
    except OSError as exc:
        raise SettingsError(f"cannot write {files.kb.path}: {exc.strerror or exc}") from None
    asyncio.run(learned_file.mark_merged(settings.db_path, found))
    print(
        f"Merged {added} learned phrasings into {files.kb.path} "
        f"({len(found.rows) - added} were there already). Check it with: clinic-bot faq check"
    )
    return 0


def _faq_ask(args: argparse.Namespace) -> int:
    matcher = _content(load_settings(telegram=False)).matcher
    decision = matcher.decide(args.message)
    match decision:
        case Answer(entry=entry):
            print(f"decision: answer {entry.id}")
        case Suggestions(entries=entries):
            print(f"decision: suggestions {', '.join(e.id for e in entries)}")
        case NoMatch():
            print("decision: no match")
        case SmallTalkReply(smalltalk=small):
            print(f"decision: small talk ({small.id})")
    print(f"terms: {' '.join(matcher.normaliser.terms(args.message)) or '(none)'}")
    print("best three: score = wording blended with the classifier")
    for c in decision.candidates:
        print(
            f"  {c.score:.3f}  {c.entry.id}  (wording {c.lexical:.3f}, classifier {c.support:.3f})"
        )
    return 0


def _faq_eval(args: argparse.Namespace) -> int:
    matcher = _content(load_settings(telegram=False)).matcher
    ids = {e.id for e in matcher.kb.entries}
    cases = parse_cases(args.cases, read_yaml(args.cases), ids)
    report = evaluate(matcher, cases)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
        return 0
    for o in report.outcomes:
        if not o.correct:
            kind = "WRONG" if o.wrong_answer else "miss "
            shown = o.got or (f"suggested {', '.join(o.suggested)}" if o.suggested else "no match")
            print(
                f"{kind} {o.case.q!r}: expected {', '.join(o.case.expect) or 'no answer'}, "
                f"got {shown} ({o.score:.2f})"
            )
    print(f"cases: {len(cases)}  ({Path(args.cases).name})")
    print(f"accuracy: {report.accuracy:.1%}")
    print(f"wrong-answer rate: {report.wrong_answer_rate:.1%}")
    return 0
