"""Telegram, storage and command line for the clinic front desk bot."""

import os

# Opt in to python-telegram-bot's timedelta durations (RetryAfter.retry_after and
# friends) now, instead of a deprecation warning on every rate limit.
os.environ.setdefault("PTB_TIMEDELTA", "1")
