"""Deliveries recorded in groups: those accepted while a record waits go in the next one."""

from __future__ import annotations

import asyncio

from bot.store.outbox import Outbox

# At most this many deliveries recorded in one write (two SQL variables each).
MAX_GROUP = 500


class SentMarks:
    """Record that Telegram accepted outbox items, many in one write when they come at once.

    Under load, many sends finish while one record waits its turn for the database; they
    are then recorded together, one write instead of one each. A lone delivery is recorded
    at once, as before.
    """

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox
        self._waiting: dict[int, tuple[int | None, asyncio.Future[bool]]] = {}
        self._writer: asyncio.Task[None] | None = None

    async def record(self, outbox_id: int, message_id: int | None) -> bool:
        """Record one accepted item; False if its row has gone meanwhile.

        Raises what the database raised (sqlite3.Error) if the write failed.
        """
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[outbox_id] = (message_id, done)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="outbox-marks")
        return await done

    async def _write(self) -> None:
        while self._waiting:
            group = dict(list(self._waiting.items())[:MAX_GROUP])
            for outbox_id in group:
                del self._waiting[outbox_id]
            try:
                recorded = await self.outbox.mark_sent({k: v[0] for k, v in group.items()})
            except BaseException as exc:
                failure = exc if isinstance(exc, Exception) else asyncio.CancelledError()
                for _, done in group.values():
                    if not done.done():
                        done.set_exception(failure)
                if not isinstance(exc, Exception):
                    self._fail_waiting()
                    raise
                continue
            for outbox_id, (_, done) in group.items():
                if not done.done():
                    done.set_result(outbox_id in recorded)

    def _fail_waiting(self) -> None:
        """The writer is cancelled (shutdown): whoever still waits is cancelled too."""
        waiting, self._waiting = self._waiting, {}
        for _, done in waiting.values():
            if not done.done():
                done.cancel()
