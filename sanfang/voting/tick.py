"""The polls' part of ``sanfang tick``: open announced polls whose window has begun (freezing
the roll at that moment, V6–V8) and close open polls whose window has ended. Each poll moves in
its own transaction through the same services the organisers use (``actor=None``: the clock),
so a refusal on one poll — no owner with a recorded area, say — leaves the others moving; the
refusal stays visible on the poll as an event, written once."""

from django.core.exceptions import ValidationError

from . import services as svc
from .models import Poll, PollEvent

S = Poll.Status


def tick_due(*, now, full: bool = False) -> dict:
    done = {"polls_opened": 0, "polls_closed": 0, "polls_refused": 0}
    for poll in Poll.objects.filter(status=S.ANNOUNCED, opens_at__lte=now).order_by("pk"):
        try:
            svc.poll_open(poll=poll, now=now)
        except ValidationError as exc:
            done["polls_refused"] += 1
            _note_refusal(poll, exc)
        else:
            done["polls_opened"] += 1
    for poll in Poll.objects.filter(status=S.OPEN, closes_at__lte=now).order_by("pk"):
        try:
            svc.poll_close(poll=poll, now=now)
        except ValidationError:  # closed meanwhile by the organiser or a parallel tick
            continue
        done["polls_closed"] += 1
    return done


def _note_refusal(poll: Poll, exc: ValidationError) -> None:
    message = " ".join(exc.messages)
    if not PollEvent.objects.filter(poll=poll, kind="open_refused", data__message=message).exists():
        PollEvent.objects.create(poll=poll, kind="open_refused", data={"message": message})
