"""Notifications: an in-app row for each user, and a copy by email or SMS through a pluggable
sender (``TICKET_SENDER``, console by default). Sent after commit (DESIGN habit 7), so a case
that rolls back never announces itself."""

import logging
from functools import cache

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger("sanfang.notify")


class ConsoleSender:
    """Writes each message to the log: the default for the demo and for development."""

    def send(self, *, phone: str = "", email: str = "", text: str) -> None:
        log.info("notify %s: %s", phone or email or "-", text)


class EmailSender(ConsoleSender):
    """Email where the user has an address; the console otherwise (SMS needs a gateway)."""

    def send(self, *, phone: str = "", email: str = "", text: str) -> None:
        if email:
            send_mail(subject=text[:60], message=text, from_email=None, recipient_list=[email], fail_silently=True)
        else:
            super().send(phone=phone, email=email, text=text)


class MemorySender:
    """Keeps messages in a list: for tests."""

    outbox: list[dict] = []

    def send(self, **message) -> None:
        self.outbox.append(message)


@cache
def sender():
    return import_string(getattr(settings, "TICKET_SENDER", "sanfang.tickets.notify.ConsoleSender"))()


def notify(users, *, text: str, ticket=None, phone: str = "") -> None:
    """Tell ``users`` (and, for residents without an account, ``phone``) after commit."""
    from .models import Notification

    users = [u for u in users if u is not None]
    Notification.objects.bulk_create([Notification(user=u, ticket=ticket, text=text[:200]) for u in users])

    def send():
        for u in users:
            sender().send(phone=u.phone, email=u.email, text=text)
        if phone:
            sender().send(phone=phone, text=text)

    transaction.on_commit(send)
