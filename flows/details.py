"""The details part of a request: name, phone, preferred times, focus areas, summary."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberType

from flows.appointments import (
    ClosedDay,
    OutsideHours,
    Service,
    possible_choices,
    service_typed,
    typed_time_problem,
)
from flows.events import Client, Contact, Event, MoveAppointment, Step, SubmitRequest, Text
from flows.hours import DAYS, WeekHours
from flows.messages import REQUEST_NO, Messages
from flows.replies import Button, Key, KeyboardKind, Reply, rows
from flows.screening import Level, Questionnaire
from flows.state import Conversation, RequestKind, Stage

MAX_NAME = 60
MAX_NOTE = 300
DEFAULT_REGION = "GB"
# Words and initials, joined by spaces, hyphens or apostrophes ("Dr. J. R. O'Neill-Doe").
_NAME = re.compile(r"^[^\W\d_]+(?:(?:\.\s*|\.?[ '’-])[^\W\d_]+)*\.?$")
# What people put before their name when asked for it.
_NAME_LEAD = re.compile(
    r"^(?:(?:hi|hello|hey)[,!.]?\s+)?(?:my name is|my name's|name is|name:|it is|it's|its|"
    r"i am|i'm|im|this is|call me)\s+",
    re.IGNORECASE,
)
_CHANGES = {
    "name": Stage.NAME,
    "phone": Stage.PHONE,
    "service": Stage.SERVICE,
    "times": Stage.TIMES,
    "areas": Stage.AREAS,
}
_ORDER = (Stage.NAME, Stage.PHONE, Stage.SERVICE, Stage.TIMES, Stage.AREAS, Stage.CONFIRM)
NOT_SURE = "x"  # the service button's arg for "not sure yet"


def action(state: Conversation, verb: str, arg: str = "") -> str:
    """Return the callback data of a booking button (tied to this flow, at most 64 bytes)."""
    return f"bk:{state.flow}:{verb}" + (f":{arg}" if arg else "")


def clean_phone(text: str, region: str = DEFAULT_REGION) -> str | None:
    """Return the phone number found in the text in E.164 form, or None.

    Read with the `phonenumbers` library, national numbers in the clinic's region
    ("07700 900123", "my number is …", "+44 (0) 7700 900 123"). A number must be a real
    one, or at least as long as the region's numbers are (Ofcom keeps ranges such as
    07700 900xxx unallocated, for fiction and examples): too short or too long is refused.
    """
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE):
        number = match.number
        national = phonenumbers.national_significant_number(number)
        lengths = _lengths(phonenumbers.region_code_for_number(number) or region)
        if phonenumbers.is_valid_number(number) or len(national) in lengths:
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return None


def show_phone(phone: str, region: str = DEFAULT_REGION) -> str:
    """Show a stored number as people in the clinic's country write it ("07700 900123")."""
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return phone
    home = number.country_code == phonenumbers.country_code_for_region(region)
    style = PhoneNumberFormat.NATIONAL if home else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


@cache
def _lengths(region: str) -> frozenset[int]:
    """The lengths of the region's mobile and landline numbers (without the leading 0)."""
    examples = (
        phonenumbers.example_number_for_type(region, kind)
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE)
    )
    return frozenset(len(phonenumbers.national_significant_number(e)) for e in examples if e)


def clean_name(text: str) -> str | None:
    """Return a tidy name, or None if the text does not look like a name."""
    name = _NAME_LEAD.sub("", " ".join(text.replace("’", "'").split())).strip(" .!,")
    if not name or len(name) > MAX_NAME or len(name.split()) > 6 or not _NAME.match(name):
        return None
    return name


@dataclass(frozen=True)
class Details:
    """Asks for and checks the client's details, then sends the request."""

    questionnaire: Questionnaire
    messages: Messages
    region: str = DEFAULT_REGION
    hours: WeekHours | None = None
    services: tuple[Service, ...] = ()

    def ask(self, state: Conversation, client: Client) -> Reply:
        """Return the question for the current stage."""
        m = self.messages
        if state.stage is Stage.NAME:
            key = "name_ask_callback" if state.kind is RequestKind.CALLBACK else "name_ask"
            buttons: tuple[tuple[Button, ...], ...] = ()
            text = m.text(key, first_name=client.first_name)
            if state.prev_name and state.prev_phone:
                shown = show_phone(state.prev_phone, self.region)
                said = m.text("same_details", name=state.prev_name, phone=shown)
                text = f"{text}\n\n{said}"
                buttons = ((Button(m.button("same_details"), action(state, "same")),),)
            if clean_name(client.first_name):
                label = m.button("use_name", first_name=client.first_name)
                buttons = (*buttons, (Button(label, action(state, "nm")),))
            return Reply(text, (*buttons, self._back(state)))
        if state.stage is Stage.PHONE:
            keys = ((Key(m.button("share_phone"), KeyboardKind.CONTACT),),)
            return Reply(m.text("phone_ask"), keys=keys)
        if state.stage is Stage.SERVICE:
            return Reply(m.text("service_ask"), (*self._services(state), self._back(state)))
        if state.stage is Stage.TIMES:
            choices = self._choices(state, "times", "tm", state.times)
            return Reply(m.text("times_ask"), (*choices, self._back(state)))
        if state.stage is Stage.AREAS:
            choices = self._choices(state, "areas", "ar", state.areas)
            return Reply(m.text("areas_ask"), (*choices, self._back(state)))
        return self._summary(state)

    def _back(self, state: Conversation) -> tuple[Button, ...]:
        return (Button(self.messages.button("back"), action(state, "prev")),)

    def handle(self, state: Conversation, client: Client, event: Event) -> Step:
        """Take a typed answer or a shared contact."""
        if isinstance(event, Contact):
            if state.stage is not Stage.PHONE:
                return Step(state, (self.ask(state, client),))
            if not event.own:
                return Step(state, (Reply(self.messages.text("phone_not_own")),))
            # Telegram gives a contact's number in international form, without the "+".
            shared = event.phone if event.phone.startswith("+") else f"+{event.phone}"
            return self._phone(state, client, clean_phone(shared, self.region) or shared)
        text = event.text if isinstance(event, Text) else ""
        if state.stage is Stage.NAME:
            name = clean_name(text)
            if name is None:
                return Step(
                    state, (Reply(self.messages.text("name_invalid")), self.ask(state, client))
                )
            return self._next(replace(state, name=name), client)
        if state.stage is Stage.PHONE:
            phone = clean_phone(text, self.region)
            if phone is None:
                return Step(state, (Reply(self.messages.text("phone_invalid")),))
            return self._phone(state, client, phone)
        if state.stage is Stage.SERVICE:
            chosen = service_typed(text, self.services)
            if chosen is None:
                sorry = Reply(self.messages.text("service_typed"))
                return Step(state, (sorry, self.ask(state, client)))
            return self._next(replace(state, service=chosen.label, minutes=chosen.minutes), client)
        if state.stage is Stage.TIMES and text.strip():
            problem = self._outside_hours(text)
            if problem is not None:
                return Step(state, (Reply(problem), self.ask(state, client)))
            return self._next(replace(state, times_note=text.strip()[:MAX_NOTE]), client)
        if state.stage is Stage.AREAS and text.strip():
            return self._next(replace(state, note=text.strip()[:MAX_NOTE]), client)
        return Step(state, (self.ask(state, client),))

    def press(self, state: Conversation, client: Client, verb: str, arg: str) -> Step:
        """Take a button press in the details part."""
        stage = state.stage
        if stage is Stage.NAME and verb == "same" and state.prev_name and state.prev_phone:
            # A second request: the name and phone of the last one, in one tap.
            new = replace(state, name=state.prev_name, stage=Stage.PHONE)
            return self._phone(new, client, state.prev_phone)
        if stage is Stage.NAME and verb == "nm" and (name := clean_name(client.first_name)):
            return self._next(replace(state, name=name), client)
        if stage is Stage.SERVICE and verb == "sv":
            if arg == NOT_SURE:
                return self._next(replace(state, service="", minutes=0), client)
            chosen = self._service(arg)
            if chosen is not None:
                new = replace(state, service=chosen.label, minutes=chosen.minutes)
                return self._next(new, client)
        if stage is Stage.TIMES and verb == "tm" and arg in self.messages.choices["times"]:
            new = replace(state, times=_toggle(state.times, arg, self.messages.choices["times"]))
            return Step(new, (replace(self.ask(new, client), edit=True),))
        if stage is Stage.TIMES and verb == "tmd":
            if not state.times and not state.times_note:
                return Step(state, (Reply(self.messages.text("times_empty")),))
            return self._next(state, client)
        if stage is Stage.AREAS and verb == "ar" and arg in self.messages.choices["areas"]:
            new = replace(state, areas=_toggle(state.areas, arg, self.messages.choices["areas"]))
            return Step(new, (replace(self.ask(new, client), edit=True),))
        if stage is Stage.AREAS and verb == "ard":
            return self._next(state, client)
        if stage is Stage.CONFIRM:
            return self._confirm(state, client, verb, arg)
        return Step(state, (Reply(self.messages.text("stale_button")), self.ask(state, client)))

    def _confirm(self, state: Conversation, client: Client, verb: str, arg: str) -> Step:
        m = self.messages
        if verb == "send":
            return self._submit(state, replace(self._summary(state), buttons=(), edit=True))
        if verb == "cancel":
            done = replace(self._summary(state), buttons=(), edit=True)
            return Step(state.reset(), (done, Reply(m.text("cancelled"))))
        if verb == "chg" and arg in _CHANGES:
            new = replace(state, stage=_CHANGES[arg], editing=True)
            return Step(new, (self.ask(new, client),))
        if verb == "chg":
            options = [
                Button(m.button(f"change_{k}"), action(state, "chg", k))
                for k, stage in _CHANGES.items()
                if stage is not Stage.SERVICE or self.services
            ]
            back = Button(m.button("back"), action(state, "back"))
            return Step(
                state, (Reply(m.text("change_ask"), (*rows(options, 2), (back,)), edit=True),)
            )
        if verb == "back":
            return Step(state, (replace(self._summary(state), edit=True),))
        return Step(state, (Reply(m.text("stale_button")), self._summary(state)))

    def _phone(self, state: Conversation, client: Client, phone: str) -> Step:
        new = replace(state, phone=phone)
        ok = Reply(self.messages.text("phone_ok"), remove_keys=True)
        if state.kind is RequestKind.CALLBACK:
            return self._submit(new, ok)
        step = self._next(new, client)
        return Step(step.state, (ok, *step.replies), step.effects)

    def _next(self, state: Conversation, client: Client) -> Step:
        if state.moving:
            # New preferred times for a confirmed appointment: sent, and that is all.
            times = self._times(state)
            move = MoveAppointment(state.moving, times, state.moving_late)
            said = self.messages.text("ap_moved", request_no=str(state.moving), times=times)
            return Step(state.reset(), (Reply(said),), (move,))
        order = _ORDER if self.services else tuple(s for s in _ORDER if s is not Stage.SERVICE)
        stage = Stage.CONFIRM if state.editing else order[order.index(state.stage) + 1]
        new = replace(state, stage=stage, editing=False)
        return Step(new, (self.ask(new, client),))

    def _submit(self, state: Conversation, first: Reply) -> Step:
        callback = state.kind is RequestKind.CALLBACK
        level = None if callback else self.questionnaire.outcome(state.flags)
        request = SubmitRequest(
            kind=state.kind,
            level=level,
            flags=state.flags,
            name=state.name,
            phone=state.phone,
            times=self._times(state),
            concern=self._areas(state),
            consent_at=state.consent_at,
            service="" if callback else state.service,
            minutes=0 if callback else state.minutes,
        )
        key = "sent_callback" if callback else "sent"
        if level is not None and level >= Level.CLEARANCE:
            key = "sent_clearance"
        phone = show_phone(state.phone, self.region)
        text = self.messages.text(key, name=state.name, phone=phone, request_no=REQUEST_NO)
        notes = [
            self.questionnaire.messages[item.note]
            for f in state.flags
            if (item := self.questionnaire.item(f)) is not None and item.note
        ]
        text = "\n\n".join([text, *notes])
        return Step(state.reset(), (first, Reply(text)), (request,))

    def _summary(self, state: Conversation) -> Reply:
        m = self.messages
        level = self.questionnaire.outcome(state.flags)
        outcome = {
            Level.CLEAR: "outcome_clear",
            Level.CAUTION: "outcome_caution",
        }.get(level, "outcome_clearance")
        text = m.text(
            "summary",
            name=state.name,
            phone=show_phone(state.phone, self.region),
            service=self._service_said(state),
            times=self._times(state),
            areas=self._areas(state),
            outcome=m.text(outcome),
        )
        buttons = (
            (Button(m.button("send"), action(state, "send")),),
            (
                Button(m.button("change"), action(state, "chg")),
                Button(m.button("cancel"), action(state, "cancel")),
            ),
        )
        return Reply(text, buttons)

    def _choices(
        self, state: Conversation, kind: str, verb: str, chosen: tuple[str, ...]
    ) -> tuple[tuple[Button, ...], ...]:
        options = self.messages.choices[kind]
        if kind == "times" and self.hours is not None:
            offered = possible_choices(options, self.hours.days)
            options = {key: label for key, label in options.items() if key in offered}
        buttons = [
            Button(("✅ " if key in chosen else "") + label, action(state, verb, key))
            for key, label in options.items()
        ]
        last = "skip" if kind == "areas" and not chosen else "done"
        return (*rows(buttons, 2), (Button(self.messages.button(last), action(state, verb + "d")),))

    def _services(self, state: Conversation) -> tuple[tuple[Button, ...], ...]:
        buttons = tuple(
            (Button(f"{s.label} · {s.price}", action(state, "sv", str(i))),)
            for i, s in enumerate(self.services)
        )
        unsure = Button(self.messages.button("service_not_sure"), action(state, "sv", NOT_SURE))
        return (*buttons, (unsure,))

    def _service(self, arg: str) -> Service | None:
        if not arg.isdigit() or int(arg) >= len(self.services):
            return None
        return self.services[int(arg)]

    def _service_said(self, state: Conversation) -> str:
        if state.service:
            return state.service
        return self.messages.text("service_unsure") if self.services else "—"

    def _outside_hours(self, text: str) -> str | None:
        """Say, kindly, why typed preferred times don't fit the opening hours (None: fine)."""
        if self.hours is None:
            return None
        problem = typed_time_problem(text, self.hours.days)
        if isinstance(problem, ClosedDay):
            day = DAYS[problem.day].title() + "s"
            return self.messages.text("times_closed_day", day=day)
        if isinstance(problem, OutsideHours):
            hour, minute = divmod(problem.minute, 60)
            said = f"{hour:02d}:{minute:02d}"
            if problem.day is not None:
                said += f" on {DAYS[problem.day].title()}s"
            return self.messages.text("times_outside_hours", time=said)
        return None

    def _times(self, state: Conversation) -> str:
        labels = [self.messages.choices["times"][t] for t in state.times]
        return "; ".join([*labels, *([state.times_note] if state.times_note else [])]) or "—"

    def _areas(self, state: Conversation) -> str:
        labels = [self.messages.choices["areas"][a] for a in state.areas]
        return "; ".join([*labels, *([state.note] if state.note else [])]) or "—"


def _toggle(chosen: tuple[str, ...], key: str, order: Mapping[str, str]) -> tuple[str, ...]:
    new = set(chosen) ^ {key}
    return tuple(k for k in order if k in new)
