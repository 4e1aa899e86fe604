"""The benchmark server's URLconf: the whole site (``sanfang.urls``) plus the baselines of
WORKLOADS.md under ``/bench/`` — bare Django views, no authentication, no application code:

- ``POST /bench/bare-insert``: parse the JSON body and insert one row (``bench_bare_insert``,
  created by the intake benchmark with a raw ``CREATE TABLE``), answer 201 with its id.
- ``GET /bench/read20?compound=<id>``: 20 cases of one compound through the ORM, read by the
  index on ``compound_id`` (no ORDER BY: ``order_by("-id")`` here would walk the primary key
  backwards past every other compound's cases — there is no (compound_id, id) index — which
  takes ~0.7 s for a small compound at 2.5 M cases), as JSON.
- ``POST /bench/bare-ballot``: parse the JSON body and insert one row into a raw table with a
  unique constraint on (poll, head) (``bench_bare_ballot``, created by the ballots benchmark),
  a random receipt as the ballot has; 201 with the receipt, 409 when the pair is taken.
- ``GET /bench/bare-json``: a small JSON object built per request (no database), the baseline of
  the live tally reads.
- ``GET /bench/ping``: the server is up.
"""

import json
import secrets

from django.db import IntegrityError, connection
from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sanfang.tickets.models import Ticket

from ._server import BARE_TABLE

READ_FIELDS = ("reference", "title", "channel", "external_id", "status", "tier", "responsible", "due_at", "me_too",
               "created_at", "updated_at")


@csrf_exempt
@require_POST
def bare_insert(request):
    data = json.loads(request.body)
    with connection.cursor() as c:
        c.execute(f"INSERT INTO {BARE_TABLE} (external_id, title, body) VALUES (%s, %s, %s) RETURNING id",
                  [data.get("external_id", ""), data.get("title", ""), data.get("description", "")])
        row_id = c.fetchone()[0]
    return JsonResponse({"id": row_id, "external_id": data.get("external_id", "")}, status=201)


@csrf_exempt
@require_POST
def bare_ballot(request):
    data = json.loads(request.body)
    receipt = secrets.token_hex(6).upper()
    try:
        with connection.cursor() as c:
            c.execute("INSERT INTO bench_bare_ballot (poll_id, head_id, choices, receipt) VALUES (%s, %s, %s, %s)",
                      [int(data["poll"]), int(data["head"]), json.dumps(data["choices"]), receipt])
    except IntegrityError:
        return JsonResponse({"detail": "already voted"}, status=409)
    return JsonResponse({"receipt": receipt}, status=201)


@require_GET
def bare_json(request):
    return JsonResponse({"poll": 1, "status": "open", "ballots": 0, "items": [
        {"order": 1, "result": {"total": {"heads": 1, "area": "1.00"}, "passed": False}}]})


@require_GET
def read20(request):
    rows = list(Ticket.objects.filter(compound_id=int(request.GET["compound"])).order_by()
                .values(*READ_FIELDS)[:20])
    return JsonResponse({"items": rows, "count": len(rows)})


def ping(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare-insert", bare_insert),
    path("bench/read20", read20),
    path("bench/bare-ballot", bare_ballot),
    path("bench/bare-json", bare_json),
    path("bench/ping", ping),
    path("", include("sanfang.urls")),
]
