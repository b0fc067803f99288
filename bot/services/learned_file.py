"""`clinic-bot faq learned`: what staff taught, as YAML, or merged into the clinic's file."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.store.database import Storage
from bot.store.learned import LearnedRow
from faq.kb import KnowledgeBase
from faq.learned import MergeError, Phrasing, as_yaml, merge_into, new_phrasings


@dataclass(frozen=True)
class Waiting:
    """The learned phrasings not yet in the knowledge base file."""

    rows: list[LearnedRow]  # for entries the base has
    orphans: list[LearnedRow]  # for entries it no longer has
    merged: int  # written into the file before

    def yaml(self) -> str:
        """Return the waiting phrasings as YAML to paste into a knowledge base."""
        return as_yaml([Phrasing(r.entry_id, r.text) for r in self.rows])


async def waiting(db_path: Path, kb: KnowledgeBase) -> Waiting:
    """Read the learned phrasings the knowledge base file does not hold yet."""
    storage = await Storage.open(db_path)
    try:
        async with storage.reading() as tables:
            rows = await tables.learned.all()
    finally:
        await storage.close()
    open_rows = [r for r in rows if not r.merged]
    return Waiting(
        [r for r in open_rows if kb.get(r.entry_id) is not None],
        [r for r in open_rows if kb.get(r.entry_id) is None],
        len(rows) - len(open_rows),
    )


def merge(kb_file: Path, kb: KnowledgeBase, found: Waiting) -> int:
    """Write the waiting phrasings into the knowledge base file; return how many were added.

    A phrasing the entry has already (the same words, folded) is not written again. The
    file is replaced whole (written aside, then moved); a failure leaves it as it was.
    Raises MergeError or OSError. Then call `mark_merged`.
    """
    new = new_phrasings(kb, [Phrasing(r.entry_id, r.text) for r in found.rows])
    if new:
        _replace(kb_file, merge_into(kb_file.read_text(encoding="utf-8"), new))
    return len(new)


async def mark_merged(db_path: Path, found: Waiting) -> None:
    """Record that the waiting phrasings are in the knowledge base file now."""
    storage = await Storage.open(db_path)
    try:
        async with storage.transaction() as tx:
            await tx.learned.mark_merged([r.id for r in found.rows])
    finally:
        await storage.close()


def _replace(path: Path, text: str) -> None:
    handle, aside = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(aside, path.stat().st_mode & 0o777)
        os.replace(aside, path)
    except BaseException:
        Path(aside).unlink(missing_ok=True)
        raise


__all__ = ["MergeError", "Waiting", "mark_merged", "merge", "waiting"]
