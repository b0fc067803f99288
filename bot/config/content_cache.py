"""A saved copy of the loaded content, so that every start after the first is fast.

Reading and checking the content files, building the FAQ index and the safety check
takes one to two seconds at each start (the CLI, the bot, the terminal chat). The copy is
read back in a small part of that. It is keyed by everything the content is made from:
the bytes of each content file in use, the code and data files of the packages that
build it (`faq`, `flows`, `contentfile`, `bot/config`), the Python version and the
versions of the libraries that read words. Any change loads afresh; a file that fails
to load is never saved, so its error is shown at every start. The eight most recently
used copies (about 8 MB each) are kept, older ones removed.

The copy is made right after loading, before any client message is read, and the
matcher's and readers' caches of recent words are never saved: it holds only what the
clinic's and the shipped files say. It lives beside the safety model's copy (see
`model_cache`), private to the user; anything wrong with it just means loading again.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import sys
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

import bot.config
import contentfile
import faq
import flows
from bot.config.model_cache import cache_folder, prune, save_copy, touch

log = logging.getLogger(__name__)

T = TypeVar("T")
# The libraries whose behaviour is built into the loaded content.
LIBRARIES = ("rapidfuzz", "snowballstemmer", "PyStemmer", "pyspellchecker", "PyYAML")
PACKAGES = (faq, flows, contentfile, bot.config)


def cached(
    files: Iterable[Path | str],
    build: Callable[[], T],
    kind: type[T],
    folder: Path | None = None,
) -> T:
    """Return what `build` makes from `files`, read from a saved copy when one fits."""
    where = folder or cache_folder()
    try:
        path = where / f"content-{_key(files)}.pickle"
    except OSError:
        return build()  # a file that cannot be read: let loading name it
    try:
        with path.open("rb") as file:
            found = pickle.load(file)
        if isinstance(found, kind):
            touch(path)
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        pass
    made = build()
    if not save_copy(made, path):
        log.info("event=content_cache_unwritable")
    prune(where, "content-*.pickle")
    return made


def _key(files: Iterable[Path | str]) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for name in LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}\x00".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none\x00".encode())
    for package in PACKAGES:
        root = Path(package.__file__ or "").parent
        for source in sorted(root.rglob("*")):
            if source.is_file() and "__pycache__" not in source.parts:
                digest.update(f"{source.relative_to(root)}\x00".encode())
                digest.update(source.read_bytes())
    for file in files:
        digest.update(b"\x01file\x00")
        digest.update(Path(file).read_bytes())
    return digest.hexdigest()[:32]
