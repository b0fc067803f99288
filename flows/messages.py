"""Load the client-facing texts (flows/messages.yaml) and fill them in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from contentfile import Fields, check_template, fill, read_yaml
from flows.hours import WHEN_WORDS

DEFAULT_MESSAGES_FILE = Path(__file__).with_name("messages.yaml")


def _spec(texts: dict[str, str]) -> dict[str, frozenset[str]]:
    """Each text's name, with the placeholders (space-separated) it may use at run time."""
    return {name: frozenset(extra.split()) for name, extra in texts.items()}


# Each text the bot needs, with the extra placeholders it may use besides the clinic's.
TEXTS = _spec(
    {
        "start": "first_name",
        "help": "",
        "topics": "",
        "ask": "",
        "suggestions": "",
        "no_match": "",
        "non_text": "",
        "stale_button": "",
        "error": "",
        "slow_down": "",
        "busy": "",
        "consent": "",
        "checklist_hint": "",
        "checklist_noted": "",
        "use_buttons": "",
        "use_buttons_consent": "",
        "step_help": "",
        "cancel_confirm": "",
        "kept_going": "",
        "field_question": "",
        "field_small_talk": "",
        "restarted": "",
        "hold": "",
        "name_ask": "first_name",
        "name_ask_callback": "first_name",
        "name_invalid": "",
        "phone_ask": "",
        "phone_invalid": "",
        "phone_not_own": "",
        "phone_ok": "",
        "service_ask": "",
        "service_typed": "",
        "service_unsure": "",
        "times_ask": "",
        "times_empty": "",
        "times_closed_day": "day",
        "times_outside_hours": "time",
        "areas_ask": "",
        "summary": "name phone service times areas outcome",
        "outcome_clear": "",
        "outcome_caution": "",
        "outcome_clearance": "",
        "change_ask": "",
        "cancelled": "",
        "sent": "name phone request_no",
        "sent_clearance": "name phone request_no",
        "sent_callback": "name phone request_no",
        "miss_noted": "",
        "miss_unknown": "",
        "handoff_ask": "",
        "handoff_sent": "",
        "thread_opened": "",
        "thread_in_flow": "",
        "thread_help": "",
        "thread_left": "",
        "thread_closed": "",
        "thread_lapsed": "",
        "my_none": "",
        "my_list": "",
        "my_booking": "",
        "my_callback": "",
        "my_open": "",
        "my_needs_note": "",
        "my_contacted": "",
        "my_kept": "",
        "my_withdraw_ask": "request_no",
        "my_withdrawn": "request_no",
        "my_book_again": "request_no",
        "my_change": "request_no",
        "same_details": "name phone",
        "staff_cap": "",
        "handoff_reply": "text",
        "privacy": "",
        "forget_confirm": "",
        "forget_done": "",
        "forget_kept": "",
        "staff_confirmed": "request_no",
        "staff_confirmed_at": "request_no when minutes service",
        "session": "",
        "ics_caption": "",
        "ics_cancel_caption": "",
        "reminder": "service when minutes request_no",
        "ap_coming": "when",
        "ap_kept": "when",
        "ap_cancel_ask": "when",
        "ap_late": "",
        "ap_cancelled": "when request_no",
        "ap_move_ask": "when",
        "ap_move_times": "when",
        "ap_moved": "request_no times",
        "ap_move_left": "",
        "ap_gone": "request_no",
        "my_appointment": "request_no when",
        "staff_needs_note": "request_no",
        "staff_declined": "request_no",
        "staff_contacted": "request_no",
    }
)
_BUTTON_VALUES = {
    "use_name": "first_name",
    "withdraw": "request_no",
    "change_request": "request_no",
    "ap_cancel_n": "request_no",
    "ap_move_n": "request_no",
}
BUTTONS: dict[str, frozenset[str]] = {
    name: frozenset(_BUTTON_VALUES.get(name, "").split())
    for name in (
        "ask book staff topics agree call_me none done share_phone use_name skip send change "
        "cancel change_name change_phone change_service change_times change_areas back "
        "forget_yes forget_no "
        "cancel_yes cancel_no not_asked leave_thread withdraw withdraw_yes withdraw_no "
        "book_another change_request keep_request same_details service_not_sure cant_make_it "
        "reschedule coming cancel_appointment cancel_yes_appointment keep_appointment move_yes "
        "ap_cancel_n ap_move_n"
    ).split()
}
CHOICES = ("times", "areas")
# The commands shown in Telegram's menu, each with its description (`commands` section).
CLIENT_COMMANDS = (
    "start",
    "book",
    "status",
    "topics",
    "staff",
    "privacy",
    "forget",
    "cancel",
    "help",
)
STAFF_COMMANDS = ("requests", "request", "today", "week", "unanswered")
MAX_COMMAND_DESCRIPTION = 256  # Telegram's limit
CONTROLS = ("cancel", "back", "menu", "help")
HOURS_TEXTS = _spec(
    {
        "open_now": "closes",
        "closed_now_today": "opens",
        "closed_now": "next",
        "open_day": "day opens closes",
        "closed_day": "day next",
        "next_open": "day opens",
        "never_open": "",
        "staff_closed": "next",
        "today": "",
        "tomorrow": "",
    }
)
_NOT_WORD = re.compile(r"[^\w\s]")
# Filled in by the bot once a request is stored (its number is not known before).
REQUEST_NO = "{request_no}"


@dataclass(frozen=True)
class Messages:
    """Validated texts and button labels, with the clinic's details filled in."""

    texts: Mapping[str, str]
    buttons: Mapping[str, str]
    choices: Mapping[str, Mapping[str, str]]
    # Typed control words: each phrase, folded, mapped to cancel, back, menu or help.
    controls: Mapping[str, str] = field(default_factory=dict)

    # First words that make a message a question even without "?" ("how much is it").
    question_words: frozenset[str] = frozenset()
    # "Are you open now?": the words naming each moment, and the sentences (flows/hours.py).
    hours_words: Mapping[str, frozenset[str]] = field(default_factory=dict)
    hours_texts: Mapping[str, str] = field(default_factory=dict)
    # Phrases (folded) that ask about the client's own requests ("did you get my request").
    request_words: tuple[str, ...] = ()
    # Telegram's command menu: (command, description) for clients, then for staff; empty
    # when the messages file has no `commands` section (an older copy), and none is shown.
    client_commands: tuple[tuple[str, str], ...] = ()
    staff_commands: tuple[tuple[str, str], ...] = ()

    def is_question(self, text: str) -> bool:
        """Say whether a message reads as a question."""
        words = plain(text).split()
        return "?" in text or (bool(words) and words[0] in self.question_words)

    def control(self, text: str) -> str | None:
        """Say which control a whole typed message is (cancel, back, menu, help), if any."""
        return self.controls.get(plain(text))

    def text(self, key: str, /, **values: str) -> str:
        """Return a text with its runtime placeholders filled."""
        return fill(self.texts[key], values).strip()

    def button(self, key: str, /, **values: str) -> str:
        """Return a button label."""
        return fill(self.buttons[key], values)


def load_messages(
    path: Path | str = DEFAULT_MESSAGES_FILE, clinic: Mapping[str, str] | None = None
) -> Messages:
    """Read and validate the messages file; clinic placeholders are filled now."""
    clinic = clinic or {}
    data = read_yaml(path)
    if Path(path).resolve() != DEFAULT_MESSAGES_FILE.resolve():
        data = with_shipped_texts(data, read_yaml(DEFAULT_MESSAGES_FILE))
    top = Fields(path, "file", data)
    top.unknown(
        {
            "texts",
            "buttons",
            "choices",
            "control",
            "question_words",
            "hours",
            "request_words",
            "commands",
        }
    )
    texts = _templates(path, "texts", top.mapping("texts"), TEXTS, clinic)
    buttons = _templates(path, "buttons", top.mapping("buttons"), BUTTONS, clinic)
    for name, label in buttons.items():
        if len(label) > 40:
            raise Fields(path, "buttons", {}).error(name, "must be at most 40 characters")
    choices_in = Fields(path, "choices", top.mapping("choices"))
    choices_in.unknown(set(CHOICES))
    choices = {}
    for name in CHOICES:
        options = Fields(path, f"choices {name}", choices_in.mapping(name))
        if not options.data:
            raise choices_in.error(name, "must list at least one option")
        choices[name] = {str(key): options.text(str(key)) for key in options.data}
    control = Fields(path, "control", top.mapping("control"))
    control.unknown(set(CONTROLS))
    controls = {plain(p): name for name in CONTROLS for p in control.texts(name, required=True)}
    questions = frozenset(plain(w) for w in top.texts("question_words", required=True))
    hours = Fields(path, "hours", top.mapping("hours"))
    hours.unknown({"words", "texts"})
    words_in = Fields(path, "hours words", hours.mapping("words"))
    words_in.unknown(set(WHEN_WORDS))
    words = {k: frozenset(plain(w) for w in words_in.texts(k, required=True)) for k in WHEN_WORDS}
    said = _templates(path, "hours texts", hours.mapping("texts"), HOURS_TEXTS, clinic)
    asking = tuple(plain(w) for w in top.texts("request_words", required=True))
    client, staff = _commands(path, top)
    return Messages(
        texts, buttons, choices, controls, questions, words, said, asking, client, staff
    )


def _commands(
    path: Path | str, top: Fields
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Read the command menu's descriptions: every command named, each within 256."""
    if "commands" not in top.data:
        return (), ()
    section = Fields(path, "commands", top.mapping("commands"))
    section.unknown({"client", "staff"})
    found = []
    for side, names in (("client", CLIENT_COMMANDS), ("staff", STAFF_COMMANDS)):
        fields = Fields(path, f"commands {side}", section.mapping(side))
        fields.unknown(set(names))
        pairs = []
        for name in names:
            said = fields.text(name)
            if len(said) > MAX_COMMAND_DESCRIPTION:
                raise fields.error(name, f"must be at most {MAX_COMMAND_DESCRIPTION} characters")
            pairs.append((name, said))
        found.append(tuple(pairs))
    return found[0], found[1]


def plain(text: str) -> str:
    """Fold a short message for comparing with word lists: case, apostrophes, spaces."""
    folded = _NOT_WORD.sub("", text.lower().replace("’", "'").replace("'", ""))
    return " ".join(folded.split())


def with_shipped_texts(data: object, shipped: object) -> object:
    """Fill texts, buttons and command descriptions a clinic's messages file does not have
    (one written by an older version) from the shipped file, key by key."""
    if not isinstance(data, dict) or not isinstance(shipped, dict):
        return data
    merged = dict(data)
    for section in ("texts", "buttons"):
        mine, theirs = merged.get(section), shipped.get(section)
        if isinstance(mine, dict) and isinstance(theirs, dict):
            merged[section] = {**theirs, **mine}
    commands, shipped_commands = merged.get("commands"), shipped.get("commands")
    if isinstance(commands, dict) and isinstance(shipped_commands, dict):
        sides = dict(commands)
        for side in ("client", "staff"):
            mine, theirs = sides.get(side), shipped_commands.get(side)
            if isinstance(mine, dict) and isinstance(theirs, dict):
                sides[side] = {**theirs, **mine}
        merged["commands"] = sides
    return merged


def _templates(
    path: Path | str,
    section: str,
    raw: Mapping[str, object],
    spec: Mapping[str, frozenset[str]],
    clinic: Mapping[str, str],
) -> dict[str, str]:
    fields = Fields(path, section, raw)
    fields.unknown(set(spec))
    escaped = {k: v.replace("{", "{{").replace("}", "}}") for k, v in clinic.items()}
    out = {}
    for name, extra in spec.items():
        template = fields.text(name)
        check_template(fields, name, template, {**clinic, **dict.fromkeys(extra, "")})
        # Fill the clinic's details now and keep runtime placeholders for later.
        out[name] = fill(template, {**escaped, **{key: "{" + key + "}" for key in extra}})
    return out
