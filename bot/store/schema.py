"""The database schema as numbered migrations, applied in order at start-up."""

from __future__ import annotations

# Each entry moves the schema from version i to i + 1 (PRAGMA user_version).
# Never edit a migration that has shipped: add a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE conversations (
        chat_id INTEGER PRIMARY KEY,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE unanswered (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        text TEXT NOT NULL,
        best_id TEXT,
        score REAL NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX unanswered_chat ON unanswered (chat_id);
    CREATE TABLE requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id INTEGER NOT NULL,
        username TEXT,
        first_name TEXT NOT NULL,
        kind TEXT NOT NULL,
        level TEXT NOT NULL,
        flags TEXT NOT NULL,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        times TEXT NOT NULL,
        concern TEXT NOT NULL,
        consent_at TEXT,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        closed_at TEXT
    );
    CREATE INDEX requests_chat ON requests (chat_id);
    CREATE TABLE request_actions (
        id INTEGER PRIMARY KEY,
        request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
        action TEXT NOT NULL,
        staff TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        method TEXT NOT NULL,
        payload TEXT NOT NULL,
        purpose TEXT NOT NULL,
        ref INTEGER,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        sent_at TEXT,
        gave_up_at TEXT,
        message_id INTEGER,
        last_error TEXT
    );
    CREATE INDEX outbox_pending ON outbox (sent_at, gave_up_at, next_attempt_at);
    CREATE TABLE handoff (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        direction TEXT NOT NULL,
        text TEXT NOT NULL,
        outbox_id INTEGER,
        created_at TEXT NOT NULL
    );
    CREATE INDEX handoff_chat ON handoff (chat_id);
    CREATE TABLE processed_updates (
        update_id INTEGER PRIMARY KEY,
        processed_at TEXT NOT NULL
    );
    """,
    # 2: booking holds live in their own table, so that neither /forget nor the retention
    # job (which delete conversations) can lift one; only staff tapping Contacted does.
    """
    CREATE TABLE holds (
        chat_id INTEGER PRIMARY KEY,
        request_id INTEGER,
        created_at TEXT NOT NULL
    );
    INSERT OR IGNORE INTO holds (chat_id, request_id, created_at)
    SELECT c.chat_id,
           (SELECT max(r.id) FROM requests r WHERE r.chat_id = c.chat_id AND r.kind = 'urgent'),
           c.updated_at
    FROM conversations c WHERE json_extract(c.state, '$.hold') = 1;
    """,
    # 3: every request ends: `active_at` is its last activity (created, staff action, a
    # client's repeated alert) and the retention job deletes it `request_days` later;
    # `redacted_at` marks a request kept bare behind a hold. Staff-chat messages about a
    # request or a client's message are kept in `staff_messages` for as long as what they
    # are about, so /forget and the retention job can always redact them; the trigger
    # records one when Telegram accepts it (in the same statement that marks it sent).
    # Outbox rows given up on keep no text.
    """
    ALTER TABLE requests ADD COLUMN active_at TEXT;
    ALTER TABLE requests ADD COLUMN redacted_at TEXT;
    UPDATE requests SET active_at = max(
        created_at, coalesce(closed_at, ''),
        coalesce((SELECT max(a.created_at) FROM request_actions a
                  WHERE a.request_id = requests.id), '')
    );
    CREATE TABLE staff_messages (
        chat_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        ref INTEGER NOT NULL,
        PRIMARY KEY (chat_id, message_id)
    );
    CREATE INDEX staff_messages_ref ON staff_messages (kind, ref);
    INSERT OR IGNORE INTO staff_messages (chat_id, message_id, kind, ref)
    SELECT chat_id, message_id, purpose, ref FROM outbox
    WHERE purpose IN ('request', 'handoff') AND ref IS NOT NULL AND message_id IS NOT NULL
    ORDER BY id;
    CREATE TRIGGER outbox_staff_message AFTER UPDATE OF message_id ON outbox
    WHEN NEW.message_id IS NOT NULL AND NEW.ref IS NOT NULL
         AND NEW.purpose IN ('request', 'handoff')
    BEGIN
        INSERT OR IGNORE INTO staff_messages (chat_id, message_id, kind, ref)
        VALUES (NEW.chat_id, NEW.message_id, NEW.purpose, NEW.ref);
    END;
    UPDATE outbox SET payload = '{}' WHERE gave_up_at IS NOT NULL;
    """,
    # 4: urgent and crisis alerts jump the staff chat's queue (priority, higher first); each
    # client's messages to staff are counted for an hour, for the per-client cap (chat and
    # time only, no content).
    """
    ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE staff_quota (
        chat_id INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX staff_quota_chat ON staff_quota (chat_id, created_at);
    """,
    # 5: each update is written here before Telegram is told the bot has it (the next
    # getUpdates offset, or the webhook's answer) and deleted once handled: a kill at any
    # moment loses no update. Rows live seconds, or until the next start after a crash.
    """
    CREATE TABLE inbox (
        update_id INTEGER PRIMARY KEY,
        payload TEXT NOT NULL,
        received_at TEXT NOT NULL
    );
    """,
    # 6: a question the bot answered with the wrong FAQ ("Not what I asked") is logged
    # with the FAQ it gave, beside the questions it could not answer.
    """
    ALTER TABLE unanswered ADD COLUMN answered TEXT;
    """,
    # 7: staff teach the bot from /unanswered: a question added to an FAQ entry is kept as a
    # learned phrasing (no chat id: it is the clinic's wording now), merged_at set once
    # `clinic-bot faq learned --merge` has written it into the knowledge base; a question
    # staff chose to ignore is not offered again (kept for the retention period).
    """
    CREATE TABLE learned (
        id INTEGER PRIMARY KEY,
        entry_id TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL,
        merged_at TEXT,
        UNIQUE (entry_id, text)
    );
    CREATE TABLE ignored_questions (
        text TEXT PRIMARY KEY,
        created_at TEXT NOT NULL
    );
    """,
    # 8: a confirmed booking's time: staff pick it on the request's card, or type it in a
    # reply to the card after *Other time* (time_asks: which card awaits a typed time).
    # Both end with their request (deleted with it by /forget and retention).
    """
    CREATE TABLE appointments (
        request_id INTEGER PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL,
        minutes INTEGER NOT NULL,
        confirmed_by TEXT NOT NULL,
        confirmed_at TEXT NOT NULL
    );
    CREATE INDEX appointments_start ON appointments (starts_at);
    CREATE TABLE time_asks (
        request_id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        spoken INTEGER NOT NULL
    );
    """,
    # 9: a booking's session and length (the client's choice; '' and 0: not sure); an
    # appointment's reminder (reminded_at: when it was queued, or when it was confirmed
    # inside the reminder window, where the confirmation is the reminder); and a time after
    # which an unsent message is no use (a reminder once the appointment has started).
    """
    ALTER TABLE requests ADD COLUMN service TEXT NOT NULL DEFAULT '';
    ALTER TABLE requests ADD COLUMN minutes INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE appointments ADD COLUMN reminded_at TEXT;
    ALTER TABLE outbox ADD COLUMN expires_at TEXT;
    """,
)

# MIGRATIONS entry 10: writes to the clinic's CalDAV
# calendar that have not reached it yet, one per request (a later write replaces the
# earlier one, `version` counting the replacements so that a write pushed meanwhile is
# not taken for the new one). Queued in the transaction that confirms, moves or cancels
# an appointment, deleted once the calendar has it, tried again later (`tries`,
# `next_try_at`) while the calendar is down. No link to requests: a request's deletion
# turns its pending write into a bare removal of its event (uid only, no client data),
# which outlives it until the calendar has taken it.
CALENDAR_WRITES_MIGRATION = """
    CREATE TABLE calendar_writes (
        request_id INTEGER PRIMARY KEY,
        action TEXT NOT NULL CHECK (action IN ('put', 'remove')),
        uid TEXT NOT NULL,
        starts_at TEXT,
        ends_at TEXT,
        summary TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL DEFAULT 1,
        tries INTEGER NOT NULL DEFAULT 0,
        next_try_at TEXT NOT NULL
    );
    CREATE INDEX calendar_writes_due ON calendar_writes (next_try_at);
    """

MIGRATIONS = (*MIGRATIONS, CALENDAR_WRITES_MIGRATION)
