"""Load every content file the bot uses, validated, in one place."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from bot.config.clinic import Clinic, load_clinic
from bot.config.clinic_folder import ContentFiles
from bot.config.content_cache import cached
from bot.config.model_cache import cached_learning
from faq.index import vocabulary_of
from faq.kb import DEFAULT_KB_FILE, KnowledgeBase, load_knowledge_base
from faq.matcher import Matcher
from flows.frontdesk import FrontDesk
from flows.hours import DAYS, WeekHours
from flows.messages import DEFAULT_MESSAGES_FILE, Messages, load_messages
from flows.safety_content import DEFAULT_EXAMPLES_FILE, DEFAULT_SAFETY_FILE, Safety, load_safety
from flows.screening import DEFAULT_SCREENING_FILE, Questionnaire, load_questionnaire


@dataclass(frozen=True)
class Content:
    """The clinic's details, FAQ, matcher and texts, ready to use."""

    clinic: Clinic
    kb: KnowledgeBase
    matcher: Matcher
    messages: Messages
    questionnaire: Questionnaire
    safety: Safety
    desk: FrontDesk


def load_content(
    clinic_file: Path | str,
    kb_file: Path | str = DEFAULT_KB_FILE,
    messages_file: Path | str = DEFAULT_MESSAGES_FILE,
    screening_file: Path | str = DEFAULT_SCREENING_FILE,
    safety_file: Path | str = DEFAULT_SAFETY_FILE,
    examples_file: Path | str = DEFAULT_EXAMPLES_FILE,
) -> Content:
    """Read and validate all content; raise ContentError naming file, entry and field.

    A saved copy made from the same files and code is read back instead (content_cache).
    """
    files = (clinic_file, kb_file, messages_file, screening_file, safety_file, examples_file)
    content = cached(files, lambda: _build(*files), Content)
    calendar = content.clinic.calendar
    if calendar is not None and calendar.source != str(clinic_file):
        # A copy made from the same bytes under another name: errors name this file.
        clinic = replace(content.clinic, calendar=replace(calendar, source=str(clinic_file)))
        content = replace(content, clinic=clinic)
    second = content.safety.check.second
    if second is not None:  # a copy keeps what was learned, not how to read a message
        second.model.describe_with(content.safety.check.describe)
    return content


def _build(
    clinic_file: Path | str,
    kb_file: Path | str,
    messages_file: Path | str,
    screening_file: Path | str,
    safety_file: Path | str,
    examples_file: Path | str,
) -> Content:
    clinic = load_clinic(clinic_file)
    values = clinic.placeholders()
    # The quick files first: a mistake in them is reported before seconds of learning.
    messages = load_messages(messages_file, values)
    questionnaire = load_questionnaire(screening_file, values)
    kb = load_knowledge_base(kb_file, values)
    ordinary = [phrase for e in kb.entries for phrase in (e.question, *e.alternates)]
    learn = cached_learning(safety_file)
    safety = load_safety(
        safety_file, values, vocabulary_of(kb), examples_file, ordinary=ordinary, learn=learn
    )
    matcher = Matcher(kb, keep=safety.check.reader.vocabulary)
    days = [clinic.hours[day] for day in DAYS]
    week = [(h.opens, h.closes) if h is not None else None for h in days]
    hours = WeekHours(week, clinic.time_zone, messages.hours_words, messages.hours_texts)
    quiet = timedelta(hours=clinic.thread_quiet_hours)
    desk = FrontDesk(
        matcher, messages, questionnaire, safety, hours, clinic.country, quiet, clinic.services,
        clinic.late_cancel,
    )  # fmt: skip
    return Content(clinic, kb, matcher, messages, questionnaire, safety, desk)


def load_content_files(files: ContentFiles) -> Content:
    """Load the content from the files chosen for it (the clinic's folder, or shipped)."""
    return load_content(
        files.clinic.path,
        files.kb.path,
        files.messages.path,
        files.screening.path,
        files.safety.path,
        files.examples.path,
    )
