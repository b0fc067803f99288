"""Running `clinic-bot` in tests: in this process for speed, or as a real process.

`cli` calls the command line's own `main` with the given arguments, environment and
standard input, and returns what a process would have: the exit code, stdout and stderr.
Everything `main` changes for the whole process is put back afterwards (the environment,
the file-creation mask, the root logger), and log records reach stderr as they would in a
process of its own, so a warning still counts as a line there. Starting Python, importing
python-telegram-bot and loading the content again for each command took most of the
command-line tests' time.

`cli_process` starts `python -m bot` as its own process: for what only a real process
shows (the entry point itself, pipes, a copy of the code installed elsewhere, signals).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOOD_TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"
# Settings the tests' own environment might hold; each command starts without them.
OURS = ("TELEGRAM", "STAFF", "CLINIC", "WEBHOOK", "LOG_LEVEL", "CALDAV")


def environment(env: dict[str, str] | None) -> dict[str, str]:
    """This process's environment without the bot's settings, then `env` on top."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    return {**base, **(env or {})}


def cli(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run `clinic-bot ARGS` in this process; return its exit code and output.

    Called from a coroutine, it runs in a thread of its own (the commands start their own
    event loop), and the caller waits for it.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _in_process(args, env, stdin)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(_in_process, args, env, stdin).result()


def _in_process(
    args: tuple[str, ...], env: dict[str, str] | None, stdin: str
) -> subprocess.CompletedProcess[str]:
    saved_env = dict(os.environ)
    saved_mask = os.umask(0o022)
    os.umask(saved_mask)
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_levels = {
        name: logger.level
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    # No handlers at all: records reach stderr through logging's last resort, as in a
    # process where nothing has set logging up.
    root.handlers[:] = []
    root.setLevel(logging.WARNING)
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.clear()
        os.environ.update(environment(env))
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            _stdin(stdin),
        ):
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse's usage errors
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.umask(saved_mask)
        extra = root.handlers[:]
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for handler in extra:
            handler.close()
        for name, logger in logging.root.manager.loggerDict.items():
            if isinstance(logger, logging.Logger):
                logger.setLevel(saved_levels.get(name, logging.NOTSET))
    return subprocess.CompletedProcess(["clinic-bot", *args], code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _stdin(text: str) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved


def cli_process(
    *args: str, env: dict[str, str] | None = None, stdin: str = "", cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` as its own process, from `cwd`."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd, env=environment(env), input=stdin, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit code 2 and exactly one line on stderr, holding every fragment, no traceback."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
