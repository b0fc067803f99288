"""The clinic's own folder (`CLINIC_DIR`): which content files the bot uses, and from where.

`clinic-bot init DIR` writes editable copies of the shipped files into a folder; with
`CLINIC_DIR=DIR` each file found there is used instead of the shipped one, and a file
missing from it falls back to the shipped one. `CLINIC_CONFIG`, when set, names the
clinic settings file and wins over the folder's `clinic.yaml` (the other files still come
from the folder).
"""

from __future__ import annotations

import os
import shlex
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.config.clinic import DEFAULT_CLINIC_FILE
from faq.kb import DEFAULT_KB_FILE
from flows.messages import DEFAULT_MESSAGES_FILE
from flows.safety_content import DEFAULT_EXAMPLES_FILE, DEFAULT_SAFETY_FILE
from flows.screening import DEFAULT_SCREENING_FILE

SHIPPED = "shipped"
FOLDER = "clinic folder"
CLINIC_CONFIG = "CLINIC_CONFIG"
README = "README.md"


@dataclass(frozen=True)
class Kind:
    """One of the bot's content files: its name in the clinic's folder and what it holds."""

    name: str
    shipped: Path
    title: str
    holds: str


KINDS = (
    Kind(
        "clinic.yaml",
        DEFAULT_CLINIC_FILE,
        "clinic settings",
        "Name, address, directions, parking, phone, email, emergency number, crisis line, "
        "opening hours, prices, session lengths, policies, services, time zone, country, "
        "the rule for minors and how long data is kept (`privacy`). The demo details are "
        "fake: change them all.",
    ),
    Kind(
        "knowledge_base.yaml",
        DEFAULT_KB_FILE,
        "knowledge base",
        "The FAQ: for each topic a fixed id, a button title, the question, other ways "
        "clients ask it (alternates), keywords and the answer. Answers can use the clinic's "
        "details as placeholders (`{clinic.phone}`, `{clinic.prices}`, `{clinic.hours}`…).",
    ),
    Kind(
        "messages.yaml",
        DEFAULT_MESSAGES_FILE,
        "messages",
        "Every other text the bot sends clients, every button label, and the words it "
        "understands for cancel, back, help, now, tomorrow and the days.",
    ),
    Kind(
        "screening.yaml",
        DEFAULT_SCREENING_FILE,
        "health check",
        "The health check before booking: its items and their labels, the level each "
        "leads to (urgent, clearance, caution), the questions and the urgent messages.",
    ),
    Kind(
        "safety.yaml",
        DEFAULT_SAFETY_FILE,
        "safety phrases",
        "What the bot looks for in every typed message before anything else: the word "
        "lists, the rules for each kind (emergency, limb, crisis, doctor, child), idioms "
        "and negations that are not alarms, how sure the learned second opinion must be, "
        "and the replies.",
    ),
    Kind(
        "safety_examples.yaml",
        DEFAULT_EXAMPLES_FILE,
        "safety examples",
        "Labelled example messages the safety check's second opinion learns from at start. "
        "Add a group of your own at the end (`clinic:`) with messages you have seen: a kind "
        "(`emergency`, `limb`, `crisis`, `doctor`, `child`) or `none` for a local turn of "
        "phrase that must not alarm.",
    ),
)


@dataclass(frozen=True)
class InUse:
    """A content file the bot reads, and where it came from (see `source`)."""

    kind: Kind
    path: Path
    source: str  # FOLDER, CLINIC_CONFIG or SHIPPED

    def describe(self) -> str:
        """Say, in one line, which file this is, where it is and why that one."""
        why = {
            FOLDER: "the clinic's folder",
            CLINIC_CONFIG: "CLINIC_CONFIG",
            SHIPPED: "shipped with the bot",
        }[self.source]
        return f"{self.kind.title}: {self.path} ({why})"


@dataclass(frozen=True)
class ContentFiles:
    """Every content file the bot loads, each with its source, and notes worth telling."""

    clinic: InUse
    kb: InUse
    messages: InUse
    screening: InUse
    safety: InUse
    examples: InUse
    notes: tuple[str, ...] = ()

    def all(self) -> tuple[InUse, ...]:
        """Return the files in the order `check` lists them."""
        return (self.clinic, self.kb, self.messages, self.screening, self.safety, self.examples)


def content_files(clinic_config: Path | None, clinic_dir: Path | None) -> ContentFiles:
    """Decide each content file: CLINIC_CONFIG, else the folder's copy, else the shipped one."""
    notes: list[str] = []
    chosen: list[InUse] = []
    for kind in KINDS:
        own = clinic_dir / kind.name if clinic_dir is not None else None
        if kind is KINDS[0] and clinic_config is not None:
            chosen.append(InUse(kind, clinic_config, CLINIC_CONFIG))
            if own is not None and own.exists() and own.resolve() != clinic_config.resolve():
                notes.append(
                    f"note: CLINIC_CONFIG is set, so {own} is not used for the clinic "
                    f"settings ({clinic_config} is); unset CLINIC_CONFIG to use the folder's"
                )
        elif own is not None and own.exists():
            chosen.append(InUse(kind, own, FOLDER))
        else:
            chosen.append(InUse(kind, kind.shipped, SHIPPED))
    if clinic_dir is not None:
        known = {kind.name for kind in KINDS}
        try:
            listed = sorted(clinic_dir.iterdir())
        except OSError:
            listed = []  # an unreadable folder: reading its files says so, one by one
        for path in listed:
            if path.suffix in (".yaml", ".yml") and path.name not in known:
                notes.append(
                    f"note: {path} is not one of the bot's files and is not read (they are "
                    f"{', '.join(sorted(known))})"
                )
    clinic, kb, messages, screening, safety, examples = chosen
    return ContentFiles(clinic, kb, messages, screening, safety, examples, tuple(notes))


class FolderError(Exception):
    """The clinic's folder cannot be written as asked; the message says why, in one line."""


def init_folder(folder: Path, *, force: bool = False) -> list[Path]:
    """Write editable copies of the shipped files and a README into `folder`.

    Refuses, writing nothing, if any of them is there already, unless `force`.
    Returns the files written.
    """
    if folder.exists() and not folder.is_dir():
        raise FolderError(f"{folder} is a file, not a folder")
    targets = [folder / kind.name for kind in KINDS] + [folder / README]
    there = [path.name for path in targets if path.exists() or path.is_symlink()]
    if there and not force:
        raise FolderError(
            f"{folder} already has {', '.join(there)}: nothing was written (add --force to "
            f"overwrite them with the shipped copies; your edits in them would be lost)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            _write(folder / kind.name, kind.shipped.read_bytes())
        _write(folder / README, readme(folder).encode("utf-8"))
    except OSError as exc:
        raise FolderError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    return targets


def readme(folder: Path) -> str:
    """The short README written into the clinic's folder."""
    where = shlex.quote(str(folder.absolute()))
    rows = "\n".join(f"| `{kind.name}` | {kind.holds} |" for kind in KINDS)
    return f"""# Your clinic's files

The bot reads these files when `CLINIC_DIR` names this folder, instead of the copies
shipped with it. Edit them, then check and restart:

```sh
CLINIC_DIR={where} clinic-bot check   # every file in use, and where it came from
CLINIC_DIR={where} clinic-bot run
```

| File | What it holds |
|---|---|
{rows}

A file missing from here is read from the shipped copy, so you may keep only the files
you change: the others then get the improvements of each new version of the bot.
`CLINIC_CONFIG`, if set, names the clinic settings file and wins over `clinic.yaml` here.
A mistake in a file stops the bot with one line naming the file and the line, entry or
field; `clinic-bot check` shows it before you restart.
"""


def _write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step, so an interrupted init leaves no half file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
