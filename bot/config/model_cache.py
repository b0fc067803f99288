"""A saved copy of the safety check's learned second opinion, so the bot starts fast.

Learning takes seconds; the copy is read back in a fraction of that. It is keyed by
everything the model depends on (its examples, the safety phrase file, the model's code
and the reading code whose concepts it learns from), so any change to those learns
afresh: a clinic's own safety or examples file (CLINIC_DIR) gets its own copy, and an
unchanged copy of the shipped files shares the shipped one's. The copy holds only what
was learned from the shipped and clinic example files, never a client's words. It lives
in the user's cache folder (`CLINIC_CACHE`, else `$XDG_CACHE_HOME/clinic-bot`, else
`~/.cache/clinic-bot`), private to the user; anything wrong with it just means learning again.
The eight most recently used copies are kept, older ones removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Mapping
from pathlib import Path

import flows.safety
import flows.safety_model
from flows.safety_content import Learn
from flows.safety_model import Describe, KindModel

log = logging.getLogger(__name__)
# Copies kept of each kind; the least recently used go when a new one is saved.
KEEP = 8


def cache_folder(env: Mapping[str, str] = os.environ) -> Path:
    """Where saved copies are kept."""
    if env.get("CLINIC_CACHE"):
        return Path(env["CLINIC_CACHE"])
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "clinic-bot"


def touch(path: Path) -> None:
    """Mark a copy as just used (it is kept longest)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def prune(where: Path, pattern: str, keep: int = KEEP) -> None:
    """Remove all but the `keep` most recently used copies matching `pattern`."""
    with contextlib.suppress(OSError):
        copies = sorted(where.glob(pattern), key=lambda p: p.stat().st_mtime_ns)
        for old in copies[:-keep]:
            old.unlink(missing_ok=True)


def cached_learning(safety_file: Path | str, folder: Path | None = None) -> Learn:
    """Return a way to make the model that reads a saved copy when one fits."""
    where = folder or cache_folder()

    def learn(examples: list[tuple[str, str]], describe: Describe) -> KindModel:
        key = _key(examples, safety_file)
        path = where / f"safety-model-{key}.pickle"
        try:
            with path.open("rb") as file:
                model = pickle.load(file)
            if isinstance(model, KindModel):
                touch(path)
                return model.describe_with(describe)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            pass
        model = KindModel(examples, describe)
        if not save_copy(model, path):
            log.info("event=model_cache_unwritable")
        prune(where, "safety-model-*.pickle")
        return model

    return learn


def _key(examples: list[tuple[str, str]], safety_file: Path | str) -> str:
    digest = hashlib.sha256()
    # The model's code, and the reading code whose concepts it learns from.
    for module in (flows.safety_model, flows.safety):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(Path(safety_file).read_bytes())
    for text, kind in examples:
        digest.update(f"{kind}\x00{text}\x01".encode())
    return digest.hexdigest()[:32]


def save_copy(made: object, path: Path) -> bool:
    """Write a copy whole or not at all (aside, then moved into place); False if it could not."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
        try:
            with os.fdopen(fd, "wb") as file:
                pickle.dump(made, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return False
    return True
