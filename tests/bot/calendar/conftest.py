"""A real CalDAV server (Radicale) on 127.0.0.1 for the calendar tests, one per module.

It runs in a subprocess with its own storage folder and a plain htpasswd file (user
`staff`, password `secret`); `stop()` and `start()` take it down and bring it back on
the same port and folder, as an outage would. Each test gets a calendar of its own.
"""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from caldav.davclient import DAVClient

from bot.config.clinic import CalendarSettings

USER = "staff"
PASSWORD = "secret"
_numbers = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Radicale:
    """A Radicale server in a subprocess."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        users = self.folder / "users"
        users.write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
        config = self.folder / "config"
        config.write_text(
            "[server]\n"
            f"hosts = 127.0.0.1:{self.port}\n"
            "[auth]\n"
            "type = htpasswd\n"
            f"htpasswd_filename = {users}\n"
            "htpasswd_encryption = plain\n"
            "delay = 0\n"
            "[storage]\n"
            f"filesystem_folder = {self.folder / 'collections'}\n"
            "[logging]\n"
            "level = error\n",
            encoding="utf-8",
        )
        log = (self.folder / "radicale.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.folder / "radicale.log").read_text(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("Radicale did not start within 10 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def new_calendar(self) -> str:
        """Make an empty calendar (MKCALENDAR) and return its address."""
        number = next(_numbers)
        with DAVClient(
            url=f"{self.base}/{USER}/", username=USER, password=PASSWORD, enable_rfc6764=False
        ) as client:
            calendar = client.principal().make_calendar(
                name=f"Clinic {number}", cal_id=f"c{number}"
            )
            return str(calendar.url)


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    server = Radicale(tmp_path_factory.mktemp("radicale"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def settings(radicale: Radicale) -> CalendarSettings:
    """The clinic settings' calendar block for a new, empty calendar."""
    if radicale.process is None:  # a test that stopped it failed before starting it again
        radicale.start()
    return CalendarSettings(radicale.new_calendar(), USER, "CALDAV_PASSWORD", "clinic.yaml")
