"""A real SMTP server on 127.0.0.1 for the tests that send e-mail (aiosmtpd, in a thread of the
test process): Django's SMTP backend talks SMTP to it over a socket, and the test reads what it
received, parsed as the recipient's mail client would."""

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append({"to": list(envelope.rcpt_tos), "from": envelope.mail_from, "message": message})
        return "250 Message accepted for delivery"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """Settings point Django's SMTP backend at a server started for this test; yields its list of
    received messages ({"to": [...], "from": ..., "message": email.message.EmailMessage})."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox.messages
    finally:
        controller.stop()


def mail_text(received):
    """The plain-text body of one received message."""
    message = received["message"]
    part = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
    return part.get_content()
