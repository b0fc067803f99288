"""Command line: `clinic-bot` / `python -m bot`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from bot.config.content import Content, load_content
from bot.config.settings import Settings, SettingsError, load_settings
from bot.logs import redact, setup_logging
from bot.store import dbfile
from bot.store.database import StorageError
from bot.store.schema import MIGRATIONS
from contentfile import ContentError, read_yaml
from faq.evaluate import evaluate, parse_cases
from faq.kb import DEFAULT_KB_FILE, FEW_ALTERNATES, thin_entries
from faq.matcher import Answer, NoMatch, SmallTalkReply, Suggestions
from faq.spelling import likely_misspellings
from flows.safety_content import DEFAULT_EXAMPLES_FILE, DEFAULT_SAFETY_FILE

EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    args = _parser().parse_args(argv)
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    try:
        return int(args.func(args))
    except (SettingsError, ContentError, StorageError, dbfile.DatabaseFileError) as exc:
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
    check = sub.add_parser("check", help="validate every YAML file the bot loads")
    check.set_defaults(func=_check)
    faq = sub.add_parser("faq", help="work with the FAQ knowledge base")
    faq.set_defaults(func=lambda _: _usage(faq))
    faq_sub = faq.add_subparsers(metavar="ACTION")
    fcheck = faq_sub.add_parser("check", help="validate the knowledge base")
    fcheck.add_argument("file", nargs="?", default=str(DEFAULT_KB_FILE))
    fcheck.set_defaults(func=_faq_check)
    ask = faq_sub.add_parser("ask", help="show how the bot would handle a message")
    ask.add_argument("message")
    ask.set_defaults(func=_faq_ask)
    ev = faq_sub.add_parser("eval", help="measure accuracy on a file of labelled messages")
    ev.add_argument("cases")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.set_defaults(func=_faq_eval)
    safety = sub.add_parser("safety", help="show what the safety check finds in a message")
    safety.add_argument("message")
    safety.set_defaults(func=_safety)
    return parser


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_BAD_INPUT


def _content(settings: Settings, kb_file: str | None = None) -> Content:
    content = _load(settings, kb_file)
    # The content lives as long as the process: keep full garbage collections from
    # walking it again and again (each cost a client's message about 10 ms).
    gc.freeze()
    return content


def _load(settings: Settings, kb_file: str | None) -> Content:
    if kb_file is None:
        return load_content(settings.clinic_config)
    return load_content(settings.clinic_config, kb_file)


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
    return run_bot(settings, _content(settings), webhook_url=getattr(args, "webhook", None))


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


def _check(args: argparse.Namespace) -> int:
    settings = load_settings(telegram=False)
    content = _content(settings)
    second = content.safety.check.second
    learned = (
        f", a second opinion learned from {second.examples} examples ({DEFAULT_EXAMPLES_FILE})"
        if second is not None
        else ""
    )
    print(
        f"OK: clinic settings {settings.clinic_config}, {len(content.kb.entries)} FAQ entries, "
        f"messages, health check, {len(content.safety.check.rules)} safety rules "
        f"({DEFAULT_SAFETY_FILE}){learned}"
    )
    version = dbfile.inspect(settings.db_path, len(MIGRATIONS))
    if version is None:
        print(f"OK: no database yet at {settings.db_path} (the bot creates it at start)")
    else:
        print(f"OK: database {settings.db_path} (schema version {version})")
    for warning in dbfile.check_warnings(settings.db_path):
        print(warning, file=sys.stderr)
    return 0


def _safety(args: argparse.Namespace) -> int:
    found = _content(load_settings(telegram=False)).safety.check.assess(args.message)
    kinds = sorted(found.kinds, reverse=True)
    print("kinds: " + (", ".join(k.name.lower() for k in kinds) or "none (goes on to the FAQ)"))
    return 0


def _faq_check(args: argparse.Namespace) -> int:
    content = _content(load_settings(telegram=False), args.file)
    for typo in likely_misspellings(content.kb):
        print(
            f"note: {args.file}: entry '{typo.entry}': field '{typo.field}': '{typo.word}' "
            f"looks like a misspelling of '{typo.suggestion}'. The bot corrects typos in "
            "messages itself, and a misspelt phrasing stops it correcting that one."
        )
    for entry in thin_entries(content.kb):
        print(
            f"warning: {args.file}: entry '{entry.id}': field 'alternates': only "
            f"{len(entry.alternates)} (fewer than {FEW_ALTERNATES}). The bot answers this "
            "topic only when a message is close to its wording; add other ways clients ask it."
        )
    print(f"OK: {args.file}: {len(content.kb.entries)} entries")
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
