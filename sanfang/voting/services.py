"""Every write on owners' decisions: create and announce a poll, open it (freezing the roll),
cast ballots online, by proxy and on paper, record door-to-door visits, grant and revoke
proxies, close and publish. One transaction each; refusals are ``ValidationError`` with a
message for the user (code ``not_allowed`` when the poll's state or the head's ballot forbids
it) or ``PermissionDenied``; either way nothing has changed."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfang.accounts.models import prepared_rows, statement_name
from sanfang.orgs.models import Ownership, Person
from sanfang.places.models import Unit

from . import permissions as perms
from .models import (
    Ballot,
    Choice,
    Matter,
    PaperVisit,
    Poll,
    PollEvent,
    PollItem,
    Proxy,
    RollHead,
    new_receipt,
)
from .signals import poll_published

S = Poll.Status


def notice_days() -> int:
    """Days between announcing the items and opening the vote (RULES V13: 15; HZ extraordinary 7)."""
    return getattr(settings, "VOTING_NOTICE_DAYS", 15)


def window_days() -> tuple[int, int]:
    """Shortest and longest voting window (V13, Hangzhou practice: 5–60 days)."""
    return getattr(settings, "VOTING_WINDOW_DAYS", (5, 60))


def _event(poll, kind, actor, **data):
    PollEvent.objects.create(poll=poll, kind=kind, actor=actor if actor and actor.is_authenticated else None,
                             data=data)


def _refuse(message, code="not_allowed"):
    raise ValidationError(message, code=code)


def _locked(poll: Poll) -> Poll:
    return Poll.objects.select_for_update().select_related("compound").get(pk=poll.pk)


@transaction.atomic
def poll_create(*, compound, title: str, items: list[tuple[str, str]], opens_at, closes_at, actor,
                building: str = "", parking_counts: bool = False, allow_change: bool = False,
                proxies_per_holder: int = 5, notice: int | None = None) -> Poll:
    """A draft poll with its items (text, matter). Nothing is public until it is announced, and
    voting opens ``notice`` days after that at the earliest (V13: ``VOTING_NOTICE_DAYS``, 15, unless
    the caller knows better — a motion passes its region's assembly notice, 7 days for an
    extraordinary assembly in Hangzhou)."""
    if not perms.can_organise(actor, compound):
        raise PermissionDenied(_("Only the owners' committee or the community organises this compound's votes."))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("This field is required.")})
    clean_items = [(t.strip(), m) for t, m in items if (t or "").strip()]
    if not clean_items:
        raise ValidationError({"items": _("A ballot needs at least one item.")})
    if any(m not in Matter.values for _t, m in clean_items):
        raise ValidationError({"items": _("Choose the matter of each item (Civil Code art. 278).")})
    shortest, longest = window_days()
    if closes_at - opens_at < timedelta(days=shortest) or closes_at - opens_at > timedelta(days=longest):
        raise ValidationError({"closes_at": _("The voting window is %(a)d to %(b)d days.") % {"a": shortest,
                                                                                              "b": longest}})
    if building and not Unit.objects.filter(compound=compound, building__number=building).exists():
        raise ValidationError({"building": _("No building %(b)s in this compound.") % {"b": building}})
    if proxies_per_holder < 1:
        raise ValidationError({"proxies_per_holder": _("At least 1.")})
    notice = notice_days() if notice is None else notice
    if notice < 1:
        raise ValidationError({"opens_at": _("Owners need at least a day's notice before voting opens.")})
    poll = Poll.objects.create(compound=compound, title=title[:120], building=building, parking_counts=parking_counts,
                               opens_at=opens_at, closes_at=closes_at, allow_change=allow_change,
                               proxies_per_holder=proxies_per_holder, notice_days=notice, created_by=actor)
    PollItem.objects.bulk_create([PollItem(poll=poll, order=i + 1, text=t[:300], matter=m)
                                  for i, (t, m) in enumerate(clean_items)])
    _event(poll, "created", actor, items=len(clean_items))
    return poll


@transaction.atomic
def poll_announce(*, poll: Poll, actor, now=None) -> Poll:
    """Publish the items: from now on the ballot holds exactly these (V13), and voting may open
    no sooner than the notice period after today."""
    p = _locked(poll)
    if not perms.can_organise(actor, p.compound):
        raise PermissionDenied(_("Only the owners' committee or the community organises this compound's votes."))
    if p.status != S.DRAFT:
        _refuse(_("This poll has already been announced."))
    now = now or timezone.now()
    if p.opens_at < now + timedelta(days=p.notice_days):
        raise ValidationError({"opens_at": _("Voting may open at the earliest %(n)d days after the announcement "
                                             "(RULES V13).") % {"n": p.notice_days}})
    p.status, p.announced_at = S.ANNOUNCED, now
    p.save(update_fields=["status", "announced_at"])
    _event(p, "announced", actor)
    return p


def roll_units(poll: Poll) -> list[dict]:
    """The compound's exclusive parts in the poll's scope, as contracts/TALLY.md lists them: the
    V6 area, the current owners (person ids) and whether the developer still holds the unit."""
    units = Unit.objects.filter(compound=poll.compound).select_related("building").order_by("building__number", "id")
    if poll.building:
        units = units.filter(building__number=poll.building)  # V11
    owners: dict[int, set] = {}
    developer: set[int] = set()
    for o in (Ownership.objects.filter(compound=poll.compound, unit__in=units.values("pk"))
              .values("unit_id", "person_id", "developer_held")):
        owners.setdefault(o["unit_id"], set()).add(o["person_id"])
        if o["developer_held"]:
            developer.add(o["unit_id"])
    out = []
    for u in units:
        if u.kind == Unit.Kind.PARKING and not poll.parking_counts:
            continue  # V8
        area = u.exclusive_area  # already the V6 area: the registry keeps the one that counts
        if area is None or u.pk not in owners:
            continue  # no area or no owner on record: not a head the law can count
        out.append({"id": u.pk, "unit": str(u),
                    "building": u.building.number, "kind": u.kind, "area": f"{Decimal(area):.2f}",
                    "owners": sorted(owners[u.pk]), "developer_held": u.pk in developer})
    return out


def _heads(units: list[dict]) -> list[dict]:
    """RULES V7: one head per distinct set of owners (their areas summed); every unit the
    developer still holds together one head."""
    groups: dict[tuple, list[dict]] = {}
    for u in units:
        key = ("developer",) if u["developer_held"] else tuple(u["owners"])
        groups.setdefault(key, []).append(u)
    heads = []
    for i, (key, us) in enumerate(sorted(groups.items(), key=lambda kv: kv[1][0]["id"])):
        dev = key == ("developer",)
        heads.append({"key": f"H{i + 1:04d}", "units": us, "developer": dev,
                      # the developer's own people vote for its one head
                      "people": sorted({p for u in us for p in u["owners"]}) if dev else list(key),
                      "area": sum(int(Decimal(u["area"]) * 100) for u in us)})
    return heads


@transaction.atomic
def poll_open(*, poll: Poll, actor=None, now=None) -> Poll:
    """Open the vote and freeze the roll from the registry as it stands (heads and areas by
    V6–V8, limited to the building by V11). ``sanfang tick`` opens announced polls when due."""
    p = _locked(poll)
    now = now or timezone.now()
    if actor is not None and not perms.can_organise(actor, p.compound):
        raise PermissionDenied(_("Only the owners' committee or the community organises this compound's votes."))
    if p.status != S.ANNOUNCED:
        _refuse(_("Only an announced poll can open."))
    if now < p.opens_at:
        _refuse(_("Voting opens at %(t)s.") % {"t": timezone.localtime(p.opens_at).strftime("%Y-%m-%d %H:%M")})
    heads = _heads(roll_units(p))
    if not heads:
        _refuse(_("No owner with a recorded area in this scope: check the registry first."))
    made = RollHead.objects.bulk_create([
        RollHead(poll=p, compound_id=p.compound_id, key=h["key"],
                 units=[{k: u[k] for k in ("id", "unit", "building", "kind", "area")} for u in h["units"]],
                 area=h["area"], developer=h["developer"]) for h in heads])
    through = RollHead.people.through
    through.objects.bulk_create([through(rollhead_id=r.pk, person_id=pid)
                                 for r, h in zip(made, heads, strict=True) for pid in h["people"]])
    p.status = S.OPEN
    p.save(update_fields=["status"])
    _event(p, "opened", actor, heads=len(heads), area=sum(h["area"] for h in heads))
    return p


def _check_choices(poll: Poll, choices: dict) -> dict:
    """Exactly the published items, each yes, no or abstain (V13: nothing else on the ballot)."""
    return _clean_choices(_item_orders(poll.pk), choices)


def _voting_now(poll: Poll, now) -> None:
    if poll.status != S.OPEN or not poll.opens_at <= now < poll.closes_at:
        _refuse(_("Voting is not open for this poll now."))


_SHARED_FIELDS = ("id", "compound_id", "status", "opens_at", "closes_at", "allow_change", "proxies_per_holder")


def _shared(pk: int) -> Poll:
    """The poll, read-locked (``FOR KEY SHARE`` on PostgreSQL) until the transaction ends: any
    number of ballots hold that lock together, but closing or publishing (``_locked``, ``FOR
    UPDATE``) waits for the ballots in flight, and a ballot that comes after the close reads
    the closed poll. (SQLite lets one writer in at a time: the plain read is as good there.)
    Only the fields a ballot needs are read."""
    if connection.vendor == "postgresql":
        columns = ", ".join(Poll._meta.get_field(f).column if f != "id" else "id" for f in _SHARED_FIELDS)
        found = list(Poll.objects.raw(
            f'SELECT {columns} FROM "{Poll._meta.db_table}" WHERE id = %s FOR KEY SHARE', [pk]))
    else:
        found = list(Poll.objects.filter(pk=pk).only(*_SHARED_FIELDS))
    if not found:
        raise Poll.DoesNotExist
    return found[0]


def valid_proxy(*, poll: Poll, holder_person_id: int, grantor_person_id: int, on) -> Proxy | None:
    return (Proxy.objects.filter(compound_id=poll.compound_id, holder_id=holder_person_id,
                                 grantor_id=grantor_person_id, revoked_at__isnull=True)
            .filter(Q(poll=poll) | Q(poll__isnull=True, valid_from__lte=on, valid_until__gte=on)).first())


# ---- casting a ballot: two statements --------------------------------------------------------
#
# A ballot is the platform's busiest write (WORKLOADS: ≥ 500/s in one compound). It takes two
# statements and no explicit transaction: one SELECT reads everything the checks need (the
# poll's state and window, its compound for the caller's scope check, its items, the voter's
# head), then one INSERT … SELECT that stores the ballot only if the poll is
# still open, reading the poll row FOR KEY SHARE on PostgreSQL (so closing, which takes it FOR
# UPDATE, waits for the ballot, and a ballot after the close inserts nothing). The unique
# (poll, head) constraint settles two ballots for one head at the same instant. The SQL is
# written once from the models' own table and column names (the ORM compiled the same three
# queries again on every ballot), and on PostgreSQL run as statements prepared once per
# connection (``accounts.models.prepared_rows``): planning them cost more than running them.

_sql: dict[tuple, str] = {}
_names: dict[tuple, str] = {}


def _rows(kind: str, params: list, with_key: bool = False) -> list[tuple]:
    name = _names.get((kind, with_key))
    if name is None:
        name = _names[kind, with_key] = statement_name(f"voting_ballot_{kind}{'_key' if with_key else ''}")
    return prepared_rows(connection, name, _ballot_sql(kind, with_key), params)


def _ballot_sql(kind: str, with_key: bool = False) -> str:
    key = (connection.alias, connection.vendor, kind, with_key)
    sql = _sql.get(key)
    if sql is not None:
        return sql
    qn = connection.ops.quote_name
    people = RollHead.people.through
    poll, item, head, hp = (qn(m._meta.db_table) for m in (Poll, PollItem, RollHead, people))
    if kind == "context":
        order = qn(PollItem._meta.get_field("order").column)
        items = f"FROM {item} i WHERE i.{qn('poll_id')} = p.{qn('id')}"
        # The person's heads first (a handful across every poll, by the index on person_id), then
        # this poll's among them by primary key: PostgreSQL evaluates ARRAY(…) once and looks the
        # ids up, whatever its statistics say (right after a poll opens they know nothing of its
        # thousands of new heads, and a join would read them all); "+ 0" keeps it off the
        # index on poll_id, which would read every head of the poll.
        mine = f"SELECT hp.{qn('rollhead_id')} FROM {hp} hp WHERE hp.{qn('person_id')} = %s"
        ids = f"= ANY(ARRAY({mine}))" if connection.vendor == "postgresql" else f"IN ({mine})"
        head_sql = (f"SELECT h.{qn('id')} FROM {head} h WHERE h.{qn('id')} {ids} "
                    f"AND h.{qn('poll_id')} + 0 = p.{qn('id')}"
                    + (f" AND h.{qn('key')} = %s" if with_key else "") + f" ORDER BY h.{qn('key')} LIMIT 1")
        sql = (f"SELECT p.{qn('status')}, p.{qn('opens_at')} <= %s AND p.{qn('closes_at')} > %s, "
               f"p.{qn('allow_change')}, p.{qn('proxies_per_holder')}, p.{qn('compound_id')}, "
               f"(SELECT COUNT(*) {items}), (SELECT MIN(i.{order}) {items}), (SELECT MAX(i.{order}) {items}), "
               f"({head_sql}) FROM {poll} p WHERE p.{qn('id')} = %s")
    else:  # "insert"
        columns = ("poll_id", "compound_id", "head_id", "choices", "channel", "cast_by_id", "proxy_id", "receipt",
                   "scan", "at", "changed")
        pg = connection.vendor == "postgresql"
        # A prepared statement's parameters take their types from where they stand; in a SELECT
        # list that is text, which PostgreSQL does not turn into jsonb or a time by itself.
        choices, at = ("CAST(%s AS jsonb)", "CAST(%s AS timestamp with time zone)") if pg else ("%s", "%s")
        sql = (f"INSERT INTO {qn(Ballot._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
               f"SELECT p.{qn('id')}, p.{qn('compound_id')}, CAST(%s AS BIGINT), {choices}, %s, CAST(%s AS BIGINT), "
               f"CAST(%s AS BIGINT), %s, '', {at}, 0 FROM {poll} p WHERE p.{qn('id')} = %s AND p.{qn('status')} = %s"
               f"{' FOR KEY SHARE' if pg else ''} RETURNING {qn('id')}")
    _sql[key] = sql
    return sql


class _Context:
    """What one SELECT says about a ballot about to be cast."""

    def __init__(self, row):
        (self.status, self.in_window, allow_change, self.proxies_per_holder, self.compound_id, n_items, first, last,
         self.head_id) = row
        self.allow_change, self.in_window = bool(allow_change), bool(self.in_window)
        # poll_create numbers the items 1…n; anything else is read item by item.
        self.orders = {str(i) for i in range(1, n_items + 1)} if (n_items and first == 1 and last == n_items) else None


def _context(poll_pk: int, person_id: int | None, head_key: str | None, now) -> _Context:
    when = connection.ops.adapt_datetimefield_value(now)
    params = [when, when, person_id or 0] + ([head_key] if head_key else []) + [poll_pk]
    rows = _rows("context", params, bool(head_key))
    if not rows:
        raise Poll.DoesNotExist
    return _Context(rows[0])


def _clean_choices(orders: set[str], choices: dict) -> dict:
    """Exactly the published items, each yes, no or abstain (V13: nothing else on the ballot)."""
    given = {str(k): v for k, v in (choices or {}).items()}
    if set(given) - orders:
        _refuse(_("This ballot names an item that was not published for this poll."), code="unknown_item")
    if set(given) != orders:
        raise ValidationError(_("Answer every item (yes, no or abstain)."), code="incomplete")
    if any(v not in Choice.values for v in given.values()):
        raise ValidationError(_("Each answer is yes, no or abstain."), code="bad_choice")
    return dict(sorted(given.items(), key=lambda kv: int(kv[0])))


def _insert_ballot(*, poll_pk: int, compound_id: int, head_id: int, choices: dict, channel: str, actor, proxy,
                   now) -> Ballot | None:
    """The INSERT … SELECT of a ballot; None when the poll is no longer open. Raises
    IntegrityError when the head has a ballot. Inside the caller's transaction it runs in a
    savepoint (the transaction survives the refusal); else it is a transaction of its own."""
    receipt = new_receipt()
    params = [head_id, Ballot._meta.get_field("choices").get_db_prep_save(choices, connection), channel, actor.pk,
              proxy.pk if proxy else None, receipt, connection.ops.adapt_datetimefield_value(now), poll_pk, S.OPEN.value]
    if connection.in_atomic_block:
        with transaction.atomic():
            rows = _rows("insert", params)
    else:
        rows = _rows("insert", params)
    if not rows:
        return None
    ballot = Ballot(pk=rows[0][0], poll_id=poll_pk, compound_id=compound_id, head_id=head_id, choices=choices,
                    channel=channel, cast_by=actor, proxy=proxy, receipt=receipt, at=now, changed=0)
    ballot._state.adding, ballot._state.db = False, connection.alias
    return ballot


def ballot_cast(*, poll: Poll, actor, choices: dict, for_person_id: int | None = None, head_key: str | None = None,
                now=None, visible=None) -> Ballot:
    """An owner votes online for their head, or as a proxy holder for the owner
    ``for_person_id`` who authorised them (capped per holder, revocable). An owner who is one of
    several heads (V7) names the head with ``head_key``; without it their first by key.

    ``visible(compound_id)``, when given, is the caller's scope check (the API's): false
    raises ``Poll.DoesNotExist`` before anything else is checked. Only
    ``poll.pk`` is used: the poll is read here. Two statements, see above; a second ballot for
    the head is refused naming the first one's receipt (or replaces it where the poll allows
    changes)."""
    now = now or timezone.now()
    me = getattr(actor, "person_id", None)
    person = for_person_id if for_person_id and me and for_person_id != me else me
    for attempt in range(3):
        ctx = _context(poll.pk, person, head_key, now)
        if visible is not None and not visible(ctx.compound_id):
            raise Poll.DoesNotExist
        if ctx.status != S.OPEN or not ctx.in_window:
            _refuse(_("Voting is not open for this poll now."))
        if not me:
            raise PermissionDenied(_("Your account is not linked to an owner in the registry."))
        clean = _clean_choices(ctx.orders if ctx.orders is not None else _item_orders(poll.pk), choices)
        proxy = None
        if person != me:
            proxy = valid_proxy(poll=Poll(pk=poll.pk, compound_id=ctx.compound_id), holder_person_id=me,
                                grantor_person_id=person, on=timezone.localdate(now))
            if proxy is None:
                raise PermissionDenied(_("You hold no valid authorisation from this owner for this poll."))
        if ctx.head_id is None:
            if head_key:
                raise PermissionDenied(_("This owner is not one of the people of head %(k)s on the roll of this poll.")
                                       % {"k": head_key})
            raise PermissionDenied(_("This owner is not on the roll of this poll."))
        if proxy is not None:
            represented = (Ballot.objects.filter(poll_id=poll.pk, proxy__holder_id=me).exclude(head_id=ctx.head_id)
                           .values("head").distinct().count())
            if represented >= ctx.proxies_per_holder:
                _refuse(_("You already represent %(n)d owners in this poll, the most allowed.")
                        % {"n": ctx.proxies_per_holder}, code="proxy_cap")
        channel = Ballot.Channel.PROXY if proxy else Ballot.Channel.ONLINE
        try:
            ballot = _insert_ballot(poll_pk=poll.pk, compound_id=ctx.compound_id, head_id=ctx.head_id, choices=clean,
                                    channel=channel, actor=actor, proxy=proxy, now=now)
        except IntegrityError:
            ballot = _second_ballot(poll.pk, ctx.head_id, choices=clean, channel=channel, actor=actor, proxy=proxy,
                                    now=now)
            if ballot is None and attempt == 2:
                raise
            if ballot is None:
                continue  # no ballot for the head: another unique value collided (a receipt), again
            return ballot
        if ballot is None:
            _refuse(_("Voting is not open for this poll now."))  # closed since the SELECT
        return ballot
    raise AssertionError("unreachable")


def _item_orders(poll_pk: int) -> set[str]:
    return {str(o) for o in PollItem.objects.filter(poll_id=poll_pk).values_list("order", flat=True)}


def _second_ballot(poll_pk: int, head_id: int, *, choices, channel, actor, proxy, now) -> Ballot | None:
    """The head has voted already: with ``allow_change`` an online voter replaces the ballot
    (never a paper one, never with paper) until the poll closes; otherwise a refusal naming the
    first ballot's receipt — to the head's own owners only. None when the head has no ballot
    (the conflict was elsewhere)."""
    with transaction.atomic():
        p = _shared(poll_pk)
        existing = Ballot.objects.select_for_update().filter(poll_id=poll_pk, head_id=head_id).first()
        if existing is None:
            return None
        if p.allow_change and channel != Ballot.Channel.PAPER and existing.channel != Ballot.Channel.PAPER:
            cast_by_holder = existing.proxy_id is not None and Proxy.objects.filter(
                pk=existing.proxy_id, holder_id=proxy.holder_id if proxy else None).exists()
            if proxy is not None and not cast_by_holder:
                # The owner's own ballot (or another holder's) stands: a proxy changes only what
                # it cast, and is not told the receipt.
                _refuse(_("The owner has voted themself: their ballot stands."), code="duplicate")
            _voting_now(p, now)
            existing.choices, existing.at, existing.changed = choices, now, existing.changed + 1
            fields = ["choices", "at", "changed", "cast_by", "channel", "proxy"]
            if existing.proxy_id is not None and proxy is None:
                # The owner replaces what their proxy cast: a receipt the holder does not know.
                existing.receipt = new_receipt()
                fields.append("receipt")
            existing.cast_by, existing.channel, existing.proxy = actor, channel, proxy
            existing.save(update_fields=fields)
            return existing
    if proxy is None and channel != Ballot.Channel.PAPER:
        # One of the head's own owners: the receipt is theirs to know (it finds the ballot in the
        # published log). A proxy holder or the staff entering paper are not told it.
        _refuse(_("A ballot has already been cast for this owner (receipt %(r)s).") % {"r": existing.receipt},
                code="duplicate")
    _refuse(_("A ballot has already been cast for this owner."), code="duplicate")


def _store(poll, head, choices, *, channel, actor, proxy=None, scan=None, now) -> Ballot:
    """Insert the head's one ballot inside the caller's transaction (a savepoint around the
    INSERT); a second ballot for the head is handled by ``_second_ballot``."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                return Ballot.objects.create(poll=poll, compound_id=poll.compound_id, head=head, choices=choices,
                                             channel=channel, cast_by=actor, proxy=proxy, at=now,
                                             **({"scan": scan} if scan else {}))
        except IntegrityError:
            ballot = _second_ballot(poll.pk, head.pk, choices=choices, channel=channel, actor=actor, proxy=proxy,
                                    now=now)
            if ballot is not None:
                return ballot
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def paper_ballot_enter(*, poll: Poll, head_key: str, choices: dict, scan, actor, now=None) -> Ballot:
    """Staff enter a paper ballot with its scan. Refused if the head has voted already (online
    or on paper): a paper ballot never overrides one cast online."""
    now = now or timezone.now()
    _shared(poll.pk)  # held until the paper ballot is stored: a close waits for it
    p = Poll.objects.select_related("compound").get(pk=poll.pk)
    if not perms.can_collect(actor, p.compound):
        raise PermissionDenied(_("Only the owners' committee or the community enters paper ballots."))
    _voting_now(p, now)
    if not scan:
        raise ValidationError({"scan": _("Attach the scanned paper ballot.")})
    head = RollHead.objects.filter(poll=p, key=head_key).first()
    if head is None:
        raise ValidationError({"head": _("No such owner on this poll's roll.")})
    choices = _check_choices(p, choices)
    ballot = _store(p, head, choices, channel=Ballot.Channel.PAPER, actor=actor, scan=scan, now=now)
    PaperVisit.objects.create(poll=p, head=head, collector=actor, at=now, outcome=PaperVisit.Outcome.COLLECTED)
    _event(p, "paper_ballot", actor, head=head.key, receipt=ballot.receipt)
    return ballot


@transaction.atomic
def paper_visit_record(*, poll: Poll, head_key: str, outcome: str, actor, note: str = "", now=None) -> PaperVisit:
    p = Poll.objects.get(pk=poll.pk)
    if not perms.can_collect(actor, p.compound):
        raise PermissionDenied(_("Only the owners' committee or the community collects paper ballots."))
    head = RollHead.objects.filter(poll=p, key=head_key).first()
    if head is None:
        raise ValidationError({"head": _("No such owner on this poll's roll.")})
    if outcome not in (PaperVisit.Outcome.ABSENT, PaperVisit.Outcome.REFUSED):
        raise ValidationError({"outcome": _("Record a collected ballot by entering it.")})
    return PaperVisit.objects.create(poll=p, head=head, collector=actor, at=now or timezone.now(), outcome=outcome,
                                     note=(note or "")[:200])


@transaction.atomic
def proxy_grant(*, compound, grantor, holder, document, actor, poll: Poll | None = None, valid_from=None,
                valid_until=None) -> Proxy:
    """Record a written authorisation (the uploaded document), for one poll or a period."""
    if not perms.can_collect(actor, compound) and getattr(actor, "person_id", None) != grantor.pk:
        raise PermissionDenied(_("An owner records their own authorisation, or staff record it for them."))
    if not document:
        raise ValidationError({"document": _("Upload the signed authorisation.")})
    if grantor.pk == holder.pk:
        raise ValidationError({"holder": _("An owner cannot authorise themself.")})
    if poll is None and not (valid_from and valid_until and valid_from <= valid_until):
        raise ValidationError({"valid_until": _("Give the poll, or a period from one date to another.")})
    if poll is not None and poll.compound_id != compound.pk:
        raise ValidationError({"poll": _("This poll is in another compound.")})
    if not Ownership.objects.filter(compound=compound, person=grantor).exists():
        raise ValidationError({"grantor": _("The grantor owns no unit in this compound.")})
    # One grantor's authorisations are registered one at a time, so two identical requests at
    # the same instant cannot both pass the check below (a revoked twin would leave one in force).
    Person.objects.select_for_update().filter(pk=grantor.pk).first()
    if Proxy.objects.filter(compound=compound, grantor=grantor, holder=holder, poll=poll, valid_from=valid_from,
                            valid_until=valid_until, revoked_at__isnull=True).exists():
        _refuse(_("This authorisation is registered already."), code="duplicate")
    proxy = Proxy.objects.create(compound=compound, grantor=grantor, holder=holder, poll=poll, valid_from=valid_from,
                                 valid_until=valid_until, document=document, created_by=actor)
    if poll is not None:
        _event(poll, "proxy_granted", actor, proxy=proxy.pk)
    return proxy


@transaction.atomic
def proxy_revoke(*, proxy: Proxy, actor, now=None) -> Proxy:
    """Revoke an authorisation; ballots already cast with it stay (they were valid when cast)."""
    p = Proxy.objects.select_for_update().get(pk=proxy.pk)
    if not perms.can_collect(actor, p.compound) and getattr(actor, "person_id", None) != p.grantor_id:
        raise PermissionDenied(_("Only the owner who gave it, or staff, revoke an authorisation."))
    if p.revoked_at is not None:
        _refuse(_("This authorisation has already been revoked."))
    p.revoked_at, p.revoked_by = now or timezone.now(), actor
    p.save(update_fields=["revoked_at", "revoked_by"])
    if p.poll_id:
        _event(p.poll, "proxy_revoked", actor, proxy=p.pk)
    return p


def early_close_refusal(poll: Poll, now) -> str | None:
    """Why the organiser cannot close the poll before its window ends, or None. The window was
    announced with the items (V13): every owner may vote until its end, so closing early is only
    for a vote in which every head on the roll has voted already, and never where ballots may
    still be changed."""
    if now >= poll.closes_at:
        return None
    if poll.allow_change:
        return (_("Voting runs until %(t)s as announced, and owners may change their ballots until then: it "
                  "cannot close earlier.") % {"t": timezone.localtime(poll.closes_at).strftime("%Y-%m-%d %H:%M")})
    heads = RollHead.objects.filter(poll_id=poll.pk).count()
    voted = Ballot.objects.filter(poll_id=poll.pk).count()
    if heads and voted >= heads:
        return None
    return (_("Voting runs until %(t)s as announced; it can close earlier only once every owner on the roll "
              "has voted (%(v)d of %(n)d so far).")
            % {"t": timezone.localtime(poll.closes_at).strftime("%Y-%m-%d %H:%M"), "v": voted, "n": heads})


@transaction.atomic
def poll_close(*, poll: Poll, actor=None, now=None) -> Poll:
    """Close voting: by ``sanfang tick`` (no actor) at the end of the window, or by the
    organiser at its end or earlier once every head has voted."""
    p = _locked(poll)
    now = now or timezone.now()
    if p.status != S.OPEN:
        _refuse(_("Only an open poll can close."))
    if now < p.closes_at and actor is None:
        _refuse(_("The voting window has not ended."))
    if actor is not None and not perms.can_organise(actor, p.compound):
        raise PermissionDenied(_("Only the owners' committee or the community organises this compound's votes."))
    refusal = early_close_refusal(p, now)
    if refusal:
        _refuse(refusal)
    p.status, p.decided_on = S.CLOSED, timezone.localdate(now)
    p.save(update_fields=["status", "decided_on"])
    _event(p, "closed", actor)
    return p


@transaction.atomic
def poll_publish(*, poll: Poll, actor) -> Poll:
    """Count with ``rules.tally`` (the same function ``sanfang voting tally`` runs), publish the
    result per item and the hash-chained anonymised ballot log; keep both at least a year (V10)."""
    from .publication import publish_result

    p = _locked(poll)
    if not perms.can_organise(actor, p.compound):
        raise PermissionDenied(_("Only the owners' committee or the community organises this compound's votes."))
    if p.status != S.CLOSED:
        _refuse(_("Close the poll before publishing its result."))
    p.result, p.log_head_hash = publish_result(p)
    p.status = S.PUBLISHED
    p.save(update_fields=["result", "log_head_hash", "status"])
    _event(p, "published", actor, head_hash=p.log_head_hash)
    poll_published.send(sender=Poll, poll=p)  # e.g. the motion that opened it settles, in this transaction
    return p
