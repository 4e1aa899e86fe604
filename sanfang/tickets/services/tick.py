"""``sanfang tick``: move what is due (DESIGN habit 5). Each case is re-checked under its lock
before it moves, so running twice, or two ticks at once, moves nothing twice."""

from django.utils import timezone

from .. import rollup
from ..models import Ticket
from ..rules import OPEN, Status
from .flow import ticket_close_unrated, ticket_overdue

BATCH = 500


def tick(*, now=None, rollups: bool = True) -> dict:
    now = now or timezone.now()
    done = {"escalated": 0, "flagged": 0, "closed": 0}
    last = 0
    while True:
        ids = list(Ticket.objects.filter(status__in=OPEN, due_at__lt=now, overdue_flagged=False, pk__gt=last)
                   .order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        for pk in ids:
            result = ticket_overdue(ticket=Ticket(pk=pk), now=now)
            if result:
                done[result] += 1
        last = ids[-1]
    for pk in (Ticket.objects.filter(status=Status.RESOLVED, feedback_due__lt=now)
               .values_list("pk", flat=True).iterator()):
        if ticket_close_unrated(ticket=Ticket(pk=pk), now=now):
            done["closed"] += 1
    if rollups:
        done["rollup"] = rollup.refresh(now=now)
    return done


def tick_due(*, now, full: bool = False) -> dict:
    """The cases' part of ``sanfang tick`` (registered in ``TicketsConfig.ready``); ``full``
    recomputes every rollup row instead of the changed ones."""
    done = tick(now=now, rollups=not full)
    if full:
        done["rollup"] = rollup.refresh(full=True, now=now)
    return done
