"""A real SMTP server on loopback (aiosmtpd) that keeps what generated APIs send, for tests that follow mailed links."""

from __future__ import annotations

import atexit
import email
import email.policy
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

from tests import services

LINK = re.compile(r"https?://\S+")


@dataclass
class Mail:
    to: list[str]
    subject: str
    text: str
    html: str

    @property
    def link(self) -> str:
        match = LINK.search(self.text)
        assert match, f"no link in the mail:\n{self.text}"
        return match.group(0)

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.link).query)["token"][0]


class MailSink:
    """Collects every message; `wait_for` returns (and removes) the next one to an address."""

    def __init__(self, keep: bool = True, on_mail: Callable[[Mail], None] | None = None) -> None:
        self.keep = keep
        self.on_mail = on_mail
        self.port = services.free_port()
        self.received: list[Mail] = []
        self._arrived = threading.Condition()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's handler name)
        if not (self.keep or self.on_mail):
            return "250 OK"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        mail = Mail(
            to=[address.lower() for address in envelope.rcpt_tos],
            subject=str(message["subject"]),
            text=text.get_content() if text else "",
            html=html.get_content() if html else "",
        )
        if self.on_mail:
            self.on_mail(mail)
        if not self.keep:
            return "250 OK"
        with self._arrived:
            self.received.append(mail)
            self._arrived.notify_all()
        return "250 OK"

    def wait_for(self, to: str, subject: str = "", timeout: float = 10) -> Mail:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for index, mail in enumerate(self.received):
                    if to.lower() in mail.to and subject.lower() in mail.subject.lower():
                        return self.received.pop(index)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no mail to {to} with {subject!r} in its subject within {timeout} s")
                self._arrived.wait(left)

    def sent_to(self, to: str) -> list[Mail]:
        with self._arrived:
            return [mail for mail in self.received if to.lower() in mail.to]


_shared: MailSink | None = None


def shared_sink() -> MailSink:
    """One sink per test process for servers whose mail no test reads (it keeps them from retrying)."""
    global _shared
    if _shared is None:
        _shared = MailSink(keep=False).start()
        atexit.register(_shared.stop)
    return _shared
