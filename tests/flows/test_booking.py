"""The booking conversation, driven as a client would: by tapping buttons and typing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest

from bot.config.content import Content
from flows.events import (
    Client,
    Command,
    Contact,
    Effect,
    Event,
    LogUnanswered,
    Press,
    SubmitRequest,
    Text,
    UrgentAlert,
)
from flows.replies import Reply
from flows.screening import Level
from flows.state import Conversation, Stage

NOW = datetime(2026, 11, 24, 18, 30, tzinfo=UTC)


@dataclass
class Chat:
    """A client talking to the front desk; remembers the last buttons it was shown."""

    content: Content
    client: Client = field(default_factory=lambda: Client(7, 7, "Ann", "ann_s"))
    state: Conversation = field(default_factory=Conversation)
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)

    def send(self, event: Event) -> list[Reply]:
        step = self.content.desk.handle(self.state, self.client, event, NOW)
        self.state = step.state
        self.replies = list(step.replies)
        self.effects.extend(step.effects)
        return self.replies

    def text(self, text: str) -> list[Reply]:
        return self.send(Text(text))

    def tap(self, label: str) -> list[Reply]:
        """Tap the button whose label is exactly `label` on the latest message that has it."""
        for reply in reversed(self.all_shown):
            for row in reply.buttons:
                for button in row:
                    if button.label == label:
                        return self.send(Press(button.action))
        raise AssertionError(f"no button {label!r}; shown: {self.labels()}")

    @property
    def all_shown(self) -> list[Reply]:
        return self.replies

    def labels(self) -> list[str]:
        return [b.label for r in self.replies for row in r.buttons for b in row]

    def said(self) -> str:
        return "\n".join(r.text for r in self.replies)

    def requests(self) -> list[SubmitRequest]:
        return [e for e in self.effects if isinstance(e, SubmitRequest)]


@pytest.fixture
def chat(content: Content) -> Chat:
    return Chat(content)


def start_check(chat: Chat) -> None:
    chat.send(Command("book"))
    assert "isn't a medical assessment" in chat.said()
    chat.tap("✅ I agree")
    assert chat.state.stage is Stage.CHECK


def answer_checklists(chat: Chat, ticks: dict[int, list[str]]) -> None:
    for group in range(4):
        labels = ticks.get(group, [])
        for label in labels:
            chat.tap(label)
            assert f"✅ {label}" in chat.labels()
        chat.tap("Done ➡️" if labels else "None of these")


def stage_of(chat: Chat) -> Stage:
    """The stage now (a call, so mypy does not carry narrowing across taps)."""
    return chat.state.stage


def give_details(chat: Chat) -> None:
    assert chat.state.stage is Stage.NAME
    chat.tap("Use “Ann”")
    assert stage_of(chat) is Stage.PHONE
    assert chat.replies[0].keys, "a share-my-number keyboard is offered"
    chat.text("07700 900 123")
    assert chat.state.phone == "+447700900123", "stored in E.164"
    chat.tap("60-minute massage · £65")
    chat.tap("Weekday evenings")
    chat.text("Tuesday after 5pm")
    chat.tap("Neck and shoulders")
    chat.tap("Done ➡️")
    assert stage_of(chat) is Stage.CONFIRM


def test_clear_path_sends_a_request_with_no_flags(chat: Chat) -> None:
    start_check(chat)
    answer_checklists(chat, {})
    give_details(chat)
    summary = chat.said()
    assert "Ann" in summary and "07700 900123" in summary
    assert "Weekday evenings; Tuesday after 5pm" in summary
    chat.tap("✅ Send request")
    (request,) = chat.requests()
    assert request.level is Level.CLEAR and request.flags == ()
    assert request.consent_at == NOW.isoformat(timespec="seconds")
    assert request.concern == "Neck and shoulders"
    assert "{request_no}" in chat.said(), "the bot fills in the request number"
    assert chat.state.stage is Stage.IDLE


def test_caution_flags_are_kept_and_the_client_is_told_the_therapist_adapts(chat: Chat) -> None:
    start_check(chat)
    answer_checklists(chat, {3: ["Varicose veins", "Allergy to oils, nuts, scents or latex"]})
    give_details(chat)
    assert "adapt your session" in chat.said()
    chat.tap("✅ Send request")
    (request,) = chat.requests()
    assert request.level is Level.CAUTION
    assert set(request.flags) == {"varicose", "allergies"}


def test_clearance_tells_the_client_staff_will_call_first(chat: Chat) -> None:
    start_check(chat)
    answer_checklists(chat, {1: ["Blood thinners"], 3: ["Varicose veins"]})
    give_details(chat)
    chat.tap("✅ Send request")
    (request,) = chat.requests()
    assert request.level is Level.CLEARANCE
    assert "call you on 07700 900123 before anything is confirmed" in chat.said()


def test_not_sure_counts_as_a_clearance_flag(chat: Chat) -> None:
    start_check(chat)
    chat.tap("None of these")
    chat.tap("Not sure — please call me")
    assert chat.state.flags == ("unsure",)
    chat.tap("None of these")
    chat.tap("None of these")
    give_details(chat)
    chat.tap("✅ Send request")
    assert chat.requests()[0].level is Level.CLEARANCE


def test_unwell_today_adds_the_rebook_note(chat: Chat) -> None:
    start_check(chat)
    answer_checklists(chat, {2: ["Fever or infection now"]})
    give_details(chat)
    chat.tap("✅ Send request")
    assert "well for at least 48 hours" in chat.said()


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("Chest pain or sudden breathlessness", "call 999 now"),
        ("Stroke signs", "call 999 now"),
        ("Back pain with numbness or bladder problems", "call 999 now"),
        ("Painful swollen leg or arm", "checked by a doctor today"),
    ],
)
def test_an_urgent_item_stops_at_once_and_cannot_be_undone(
    chat: Chat, label: str, message: str
) -> None:
    start_check(chat)
    old_checklist = chat.replies[-1]
    chat.tap(label)
    assert message in chat.said()
    assert not any(r.buttons for r in chat.replies), "no booking is offered"
    alert = next(e for e in chat.effects if isinstance(e, UrgentAlert))
    assert chat.content.questionnaire.item(alert.flag).label == label  # type: ignore[union-attr]
    assert chat.state.stage is Stage.IDLE and chat.state.hold
    # Tapping "None of these" on the same checklist does not undo it...
    none = next(b for row in old_checklist.buttons for b in row if b.label == "None of these")
    chat.send(Press(none.action))
    assert chat.state.hold and chat.state.stage is Stage.IDLE
    # ...and neither does starting again.
    chat.send(Command("book"))
    assert "needs to speak with you" in chat.said()
    assert chat.state.stage is Stage.IDLE
    assert chat.requests() == []


def test_declining_consent_asks_only_for_a_call_back_without_health_data(chat: Chat) -> None:
    chat.send(Command("book"))
    chat.tap("📞 No — please call me instead")
    assert chat.state.stage is Stage.NAME
    chat.text("Ann Smith")
    chat.send(Contact("+44 7700 900123", own=True))
    (request,) = chat.requests()
    assert request.kind == "callback"
    assert request.level is None and request.flags == () and request.consent_at is None
    assert request.phone == "+447700900123"
    assert "No health information was shared" in chat.said()


def test_a_question_during_the_check_is_answered_and_the_page_shown_again(chat: Chat) -> None:
    start_check(chat)
    page = chat.replies[-1]
    chat.text("can I bring my own towel")
    assert "Wear something comfortable" in chat.said(), "the FAQ answer"
    assert chat.replies[-1] == page, "then the same page, unchanged"
    chat.text("asdfgh")
    assert "please use the buttons" in chat.said()
    assert "“back”" in chat.said() and "“cancel”" in chat.said(), "how to leave is said"
    chat.text("I had a blood clot last year, is that ok?")
    assert "check with your doctor" in chat.said(), "a health detail typed there"
    assert chat.state.flags == () and chat.state.stage is Stage.CHECK
    assert "Chest pain or sudden breathlessness" in chat.labels()


def test_a_question_at_a_booking_field_is_answered_and_never_stored(chat: Chat) -> None:
    start_check(chat)
    answer_checklists(chat, {})
    chat.text("how much is an hour?")
    assert "£" in chat.said() and chat.state.name == "", "answered, not taken as a name"
    assert stage_of(chat) is Stage.NAME
    chat.text("hello")
    assert chat.state.name == "" and stage_of(chat) is Stage.NAME, "a greeting is no name"
    chat.tap("Use “Ann”")
    chat.text("07700 900 123")
    chat.text("how much is it?")
    assert "£" in chat.said()
    assert chat.state.service == "" and stage_of(chat) is Stage.SERVICE
    chat.text("the 90 minute one please")
    assert (chat.state.service, chat.state.minutes) == ("90-minute massage", 90)
    chat.text("how much is it?")
    assert "£" in chat.said()
    assert chat.state.times_note == "" and stage_of(chat) is Stage.TIMES
    chat.text("Tuesday after 5pm")
    assert chat.state.times_note == "Tuesday after 5pm"


def test_preferred_times_follow_the_opening_hours(chat: Chat) -> None:
    start_check(chat)
    answer_checklists(chat, {})
    chat.tap("Use “Ann”")
    chat.text("07700 900 123")
    chat.tap("🤔 Not sure yet")
    # The demo clinic is closed on Sundays: no Sunday button, and a typed Sunday is corrected.
    assert "Saturdays" in chat.labels() and "Sundays" not in chat.labels()
    chat.text("Sunday 11am")
    said = chat.said()
    assert "closed on Sundays" in said and "Sunday: closed" in said
    assert chat.state.times_note == "" and stage_of(chat) is Stage.TIMES
    chat.text("tuesday 9pm")
    assert "not open at 21:00 on Tuesdays" in chat.said()
    chat.text("Tuesday after 5pm")
    assert chat.state.times_note == "Tuesday after 5pm" and stage_of(chat) is Stage.AREAS


@pytest.mark.parametrize("word", ["cancel", "Stop!", "never mind", "menu"])
def test_typing_cancel_at_any_step_asks_then_leaves_with_nothing_stored(
    chat: Chat, word: str
) -> None:
    start_check(chat)
    answer_checklists(chat, {1: ["Blood thinners"]})
    chat.tap("Use “Ann”")
    chat.text(word)
    assert "Stop this request?" in chat.said()
    assert stage_of(chat) is Stage.PHONE, "nothing happens before the client says yes"
    chat.tap("No, carry on")
    assert stage_of(chat) is Stage.PHONE and "phone number" in chat.said()
    chat.text(word)
    chat.tap("Yes, stop")
    assert chat.requests() == []
    assert chat.state == Conversation(flow=chat.state.flow), "every answer discarded"
    assert "Cancelled" in chat.said() and "📅 Book an appointment" in chat.labels()


def test_cancel_at_consent_leaves_at_once(chat: Chat) -> None:
    chat.send(Command("book"))
    chat.text("cancel")
    assert chat.state.stage is Stage.IDLE and "Cancelled" in chat.said()


def test_back_goes_one_step_back_and_keeps_earlier_answers(chat: Chat) -> None:
    start_check(chat)
    chat.tap("None of these")
    chat.tap("Blood thinners")
    chat.tap("Done ➡️")
    assert chat.state.group == 2 and "blood_thinner" in chat.state.flags
    chat.tap("↩️ Back")
    assert chat.state.group == 1, "the previous page again"
    assert "✅ Blood thinners" in chat.labels(), "with its answer ticked"
    chat.tap("✅ Blood thinners")
    chat.tap("None of these")
    assert "blood_thinner" not in chat.state.flags, "answered afresh"
    answer_checklists_from(chat, 2)
    chat.tap("Use “Ann”")
    chat.text("back")
    assert stage_of(chat) is Stage.NAME
    chat.text("back")
    assert stage_of(chat) is Stage.CHECK and chat.state.group == 3
    chat.text("help")
    assert "type “back”" in chat.said() and chat.state.group == 3


def answer_checklists_from(chat: Chat, first: int) -> None:
    for _ in range(first, 4):
        chat.tap("None of these")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Dr. Smith", "Dr. Smith"),
        ("J. R. Doe", "J. R. Doe"),
        ("my name is Tom", "Tom"),
        ("I'm Anna Kowalska", "Anna Kowalska"),
    ],
)
def test_names_are_read_as_people_write_them(chat: Chat, typed: str, stored: str) -> None:
    start_check(chat)
    answer_checklists(chat, {})
    chat.text(typed)
    assert chat.state.name == stored and stage_of(chat) is Stage.PHONE


def test_bad_phone_and_someone_elses_contact_are_refused_politely(chat: Chat) -> None:
    start_check(chat)
    answer_checklists(chat, {})
    chat.text("Ann")
    chat.text("call me maybe")
    assert "doesn't look like a phone number" in chat.said()
    chat.send(Contact("+15550100", own=False))
    assert "your own number" in chat.said()
    assert stage_of(chat) is Stage.PHONE and chat.state.phone == ""


def test_change_from_the_summary_goes_back_to_the_summary(chat: Chat) -> None:
    start_check(chat)
    answer_checklists(chat, {})
    give_details(chat)
    chat.tap("✏️ Change")
    chat.tap("Name")
    chat.text("Ann-Marie O'Neill")
    assert stage_of(chat) is Stage.CONFIRM
    assert "Ann-Marie O'Neill" in chat.said()


def test_cancel_sends_nothing_and_discards_answers(chat: Chat) -> None:
    start_check(chat)
    answer_checklists(chat, {1: ["Blood thinners"]})
    give_details(chat)
    chat.tap("✖️ Cancel")
    assert chat.requests() == []
    assert chat.state == Conversation(flow=chat.state.flow)
    assert "Cancelled" in chat.said()


def test_a_button_from_an_earlier_booking_gets_a_clear_reply(chat: Chat) -> None:
    chat.send(Command("book"))
    first_consent = chat.replies[-1]
    chat.send(Command("book"))
    agree = first_consent.buttons[0][0]
    chat.send(Press(agree.action))
    assert "earlier conversation" in chat.said()
    assert chat.state.stage is Stage.CONSENT


def test_state_survives_a_round_trip_through_json(chat: Chat) -> None:
    start_check(chat)
    chat.tap("None of these")
    chat.tap("Blood thinners")
    restored = Conversation.from_json(chat.state.to_json())
    assert restored == chat.state
    assert Conversation.from_json("{not json") == Conversation()
    assert Conversation.from_json('{"stage": "nowhere"}') == Conversation()
    assert Conversation.from_json('{"name": 5}') == Conversation()


@pytest.mark.parametrize("typed", ["ok", "got it", "cool", "Okay!", "k"])
def test_an_ok_is_never_a_dead_end(chat: Chat, typed: str) -> None:
    chat.text(typed)
    assert "not sure" not in chat.said()
    assert {"❓ Ask a question", "📅 Book an appointment", "💬 Talk to staff"} <= set(chat.labels())


def test_ok_thanks_is_thanked(chat: Chat) -> None:
    chat.text("ok thanks")
    assert "You're welcome" in chat.said()


@pytest.mark.parametrize(
    ("when", "typed", "said"),
    [
        # 2026-12-02 is a Wednesday; the demo clinic is in Europe/London.
        (
            datetime(2026, 12, 2, 22, 0, tzinfo=UTC),
            "are you open now?",
            "we open tomorrow at 09:00",
        ),
        (datetime(2026, 12, 2, 12, 0, tzinfo=UTC), "r u open rn", "open now, until 20:00"),
        (datetime(2026, 12, 2, 7, 30, tzinfo=UTC), "open now?", "we open today at 09:00"),
        (datetime(2026, 12, 5, 11, 0, tzinfo=UTC), "open tmrw?", "closed tomorrow; we open Monday"),
        (datetime(2026, 12, 2, 12, 0, tzinfo=UTC), "are you open on sunday", "closed Sunday"),
        (
            datetime(2026, 12, 2, 12, 0, tzinfo=UTC),
            "open saturday?",
            "Saturday we're open 10:00–16:00",
        ),
        # Summer time: 08:30 UTC is 09:30 in London, after opening.
        (datetime(2026, 7, 1, 8, 30, tzinfo=UTC), "are you open now", "open now, until 20:00"),
    ],
)
def test_open_now_today_tomorrow_is_answered_from_the_hours(
    content: Content, when: datetime, typed: str, said: str
) -> None:
    step = content.desk.handle(Conversation(), Client(7, 7, "Ann"), Text(typed), when)
    assert said in step.replies[0].text
    assert "Monday" in step.replies[0].text, "the week's hours follow"


@pytest.mark.parametrize(
    ("typed", "first", "second"),
    [
        ("how much is an hour and are you open saturday?", "Our prices", "Saturday we're open"),
        ("where do I park and do you take card?", "park", "card"),
        ("Prices? Parking?", "Our prices", "park"),
    ],
)
def test_two_questions_in_one_message_get_two_answers_in_order(
    chat: Chat, typed: str, first: str, second: str
) -> None:
    chat.text(typed)
    assert len(chat.replies) == 2
    assert first in chat.replies[0].text and second in chat.replies[1].text


def test_context_before_one_question_gets_one_answer(chat: Chat) -> None:
    chat.text(
        "Following my appointment on Monday, I feel rather tender. "
        "Is this to be expected, and for how long?"
    )
    assert len(chat.replies) == 1 and "sore" in chat.said().lower()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+44 (0) 7700 900 123", "+447700900123"),
        ("my number is 07700 900123", "+447700900123"),
        ("call me on 07911 123456 please", "+447911123456"),
        ("020 7946 0000", "+442079460000"),
        ("+1 415 555 2671", "+14155552671"),
    ],
)
def test_phone_numbers_are_read_as_people_write_them(chat: Chat, typed: str, stored: str) -> None:
    start_check(chat)
    answer_checklists(chat, {})
    chat.tap("Use “Ann”")
    chat.text(typed)
    assert chat.state.phone == stored and stage_of(chat) is Stage.SERVICE


@pytest.mark.parametrize("typed", ["07700 900", "0770090012", "12345678", "077009001234567"])
def test_a_number_too_short_or_too_long_is_refused(chat: Chat, typed: str) -> None:
    start_check(chat)
    answer_checklists(chat, {})
    chat.tap("Use “Ann”")
    chat.text(typed)
    assert chat.state.phone == "" and stage_of(chat) is Stage.PHONE
    assert "doesn't look like a phone number" in chat.said()


def test_the_summary_shows_the_number_as_written_in_the_clinic_s_country(chat: Chat) -> None:
    start_check(chat)
    answer_checklists(chat, {})
    give_details(chat)
    assert "07700 900123" in chat.said() and "+44" not in chat.said()


def test_a_typed_answer_offers_not_what_i_asked_and_a_tap_logs_it(chat: Chat) -> None:
    chat.text("do you take card")
    assert "🤔 Not what I asked" in chat.labels()
    chat.tap("🤔 Not what I asked")
    assert "noted your question" in chat.said()
    (logged,) = [e for e in chat.effects if isinstance(e, LogUnanswered)]
    assert logged.text == "do you take card" and logged.answered == "payment"
    chat.effects.clear()
    chat.send(Press("miss:payment"))  # the same button again: nothing new to log
    assert chat.effects == [] and "ask our team" in chat.said()


def test_answers_chosen_from_a_list_or_given_mid_request_have_no_miss_button(chat: Chat) -> None:
    chat.send(Command("topics"))
    chat.tap("Payment")
    assert "🤔 Not what I asked" not in chat.labels()
    start_check(chat)
    chat.text("do you take card")
    assert "🤔 Not what I asked" not in chat.labels(), "the step comes back instead"


def test_the_booking_asks_which_session_from_the_clinics_prices(chat: Chat) -> None:
    start_check(chat)
    answer_checklists(chat, {})
    chat.tap("Use “Ann”")
    chat.text("07700 900 123")
    assert "Which session would you like?" in chat.said()
    assert chat.labels() == [
        "30-minute focused session · £40",
        "60-minute massage · £65",
        "90-minute massage · £90",
        "🤔 Not sure yet",
        "↩️ Back",
    ], "the priced items with a length, not the pack"
    chat.text("the usual one")
    assert "didn't catch which one" in chat.said() and stage_of(chat) is Stage.SERVICE
    chat.tap("30-minute focused session · £40")
    assert stage_of(chat) is Stage.TIMES
    chat.tap("↩️ Back")
    assert stage_of(chat) is Stage.SERVICE, "back from the times is the session again"
    chat.tap("90-minute massage · £90")
    chat.tap("Any time")
    chat.tap("Done ➡️")
    chat.tap("Skip ➡️")
    assert "Session: 90-minute massage" in chat.said()
    chat.tap("✏️ Change")
    chat.tap("Session")
    chat.tap("🤔 Not sure yet")
    assert "Session: Not sure yet" in chat.said(), "back at the summary"
    chat.tap("✅ Send request")
    (request,) = chat.requests()
    assert (request.service, request.minutes) == ("", 0)


def test_a_session_typed_by_its_length_is_taken(chat: Chat) -> None:
    start_check(chat)
    answer_checklists(chat, {})
    chat.tap("Use “Ann”")
    chat.text("07700 900 123")
    chat.text("60 mins")
    assert (chat.state.service, chat.state.minutes) == ("60-minute massage", 60)
    chat.tap("Any time")
    chat.tap("Done ➡️")
    chat.tap("Skip ➡️")
    chat.tap("✅ Send request")
    (request,) = chat.requests()
    assert (request.service, request.minutes) == ("60-minute massage", 60)


def test_a_call_back_is_not_asked_for_a_session(chat: Chat) -> None:
    chat.send(Command("book"))
    chat.tap("📞 No — please call me instead")
    chat.tap("Use “Ann”")
    chat.text("07700 900 123")
    (request,) = chat.requests()
    assert (request.service, request.minutes) == ("", 0)
    assert "Which session" not in chat.said()


def test_a_clinic_without_sessions_with_a_length_is_not_asked(content: Content) -> None:
    desk = replace(content.desk, services=())
    chat = Chat(replace(content, desk=desk))
    start_check(chat)
    answer_checklists(chat, {})
    chat.tap("Use “Ann”")
    chat.text("07700 900 123")
    assert stage_of(chat) is Stage.TIMES
    chat.tap("↩️ Back")
    assert stage_of(chat) is Stage.PHONE
