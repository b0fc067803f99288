"""Telegram, storage and command line for the clinic front desk bot."""

import os
import sys

# Opt in to python-telegram-bot's timedelta durations (RetryAfter.retry_after and
# friends) now, instead of a deprecation warning on every rate limit.
os.environ.setdefault("PTB_TIMEDELTA", "1")

# httpx imports its command-line tool when it can, and with it click and pygments (about
# 1.5 MB in a bot that never runs that tool). Marked absent, httpx goes on without it, as
# it does where they are not installed.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
