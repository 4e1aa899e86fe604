"""Every write on owners' decisions: create and announce a poll, open it (freezing the roll),
cast ballots online, by proxy and on paper, record door-to-door visits, grant and revoke
proxies, close and publish. One transaction each; refusals are ``ValidationError`` with a
message for the user (code ``not_allowed`` when the poll's state or the head's ballot forbids
it) or ``PermissionDenied``; either way nothing has changed."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfang.orgs.models import Ownership
from sanfang.places.models import Unit

from . import permissions as perms
from .models import Ballot, Choice, Matter, PaperVisit, Poll, PollEvent, PollItem, Proxy, RollHead

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
                proxies_per_holder: int = 5) -> Poll:
    """A draft poll with its items (text, matter). Nothing is public until it is announced."""
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
    poll = Poll.objects.create(compound=compound, title=title[:120], building=building, parking_counts=parking_counts,
                               opens_at=opens_at, closes_at=closes_at, allow_change=allow_change,
                               proxies_per_holder=proxies_per_holder, created_by=actor)
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
    if p.opens_at < now + timedelta(days=notice_days()):
        raise ValidationError({"opens_at": _("Voting may open at the earliest %(n)d days after the announcement "
                                             "(RULES V13).") % {"n": notice_days()}})
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
    orders = {str(o) for o in poll.items.values_list("order", flat=True)}
    given = {str(k): v for k, v in (choices or {}).items()}
    if set(given) - orders:
        _refuse(_("This ballot names an item that was not published for this poll."), code="unknown_item")
    if set(given) != orders:
        raise ValidationError(_("Answer every item (yes, no or abstain)."), code="incomplete")
    if any(v not in Choice.values for v in given.values()):
        raise ValidationError(_("Each answer is yes, no or abstain."), code="bad_choice")
    return dict(sorted(given.items(), key=lambda kv: int(kv[0])))


def _voting_now(poll: Poll, now) -> None:
    if poll.status != S.OPEN or not poll.opens_at <= now < poll.closes_at:
        _refuse(_("Voting is not open for this poll now."))


def valid_proxy(*, poll: Poll, holder_person_id: int, grantor_person_id: int, on) -> Proxy | None:
    return (Proxy.objects.filter(compound_id=poll.compound_id, holder_id=holder_person_id,
                                 grantor_id=grantor_person_id, revoked_at__isnull=True)
            .filter(Q(poll=poll) | Q(poll__isnull=True, valid_from__lte=on, valid_until__gte=on)).first())


def _store(poll, head, choices, *, channel, actor, proxy=None, scan=None, now) -> Ballot:
    """Insert the head's one ballot; at the same instant exactly one of two wins (the unique
    constraint decides), the other gets a clear message. With ``allow_change`` an online voter
    may replace their own ballot until the poll closes."""
    try:
        with transaction.atomic():
            return Ballot.objects.create(poll=poll, compound_id=poll.compound_id, head=head, choices=choices,
                                         channel=channel, cast_by=actor, proxy=proxy, at=now,
                                         **({"scan": scan} if scan else {}))
    except IntegrityError:
        existing = Ballot.objects.select_for_update().get(poll=poll, head=head)
        if poll.allow_change and channel != Ballot.Channel.PAPER and existing.channel != Ballot.Channel.PAPER:
            existing.choices, existing.at, existing.changed = choices, now, existing.changed + 1
            existing.cast_by, existing.channel, existing.proxy = actor, channel, proxy
            existing.save(update_fields=["choices", "at", "changed", "cast_by", "channel", "proxy"])
            return existing
        _refuse(_("A ballot has already been cast for this owner (receipt %(r)s).") % {"r": existing.receipt},
                code="duplicate")


def ballot_cast(*, poll: Poll, actor, choices: dict, for_person_id: int | None = None, now=None) -> Ballot:
    """An owner votes online for their head, or as a proxy holder for the owner
    ``for_person_id`` who authorised them (capped per holder, revocable)."""
    now = now or timezone.now()
    p = Poll.objects.get(pk=poll.pk)  # no lock: the unique constraint settles races
    _voting_now(p, now)
    me = getattr(actor, "person_id", None)
    if not me:
        raise PermissionDenied(_("Your account is not linked to an owner in the registry."))
    choices = _check_choices(p, choices)
    proxy = None
    person = me
    if for_person_id and for_person_id != me:
        proxy = valid_proxy(poll=p, holder_person_id=me, grantor_person_id=for_person_id, on=timezone.localdate(now))
        if proxy is None:
            raise PermissionDenied(_("You hold no valid authorisation from this owner for this poll."))
        person = for_person_id
    head = RollHead.objects.filter(poll=p, people__id=person).first()
    if head is None:
        raise PermissionDenied(_("This owner is not on the roll of this poll."))
    with transaction.atomic():
        if proxy is not None:
            represented = (Ballot.objects.filter(poll=p, proxy__holder_id=me).exclude(head=head)
                           .values("head").distinct().count())
            if represented >= p.proxies_per_holder:
                _refuse(_("You already represent %(n)d owners in this poll, the most allowed.")
                        % {"n": p.proxies_per_holder}, code="proxy_cap")
        return _store(p, head, choices, channel=Ballot.Channel.PROXY if proxy else Ballot.Channel.ONLINE,
                      actor=actor, proxy=proxy, now=now)


@transaction.atomic
def paper_ballot_enter(*, poll: Poll, head_key: str, choices: dict, scan, actor, now=None) -> Ballot:
    """Staff enter a paper ballot with its scan. Refused if the head has voted already (online
    or on paper): a paper ballot never overrides one cast online."""
    now = now or timezone.now()
    p = Poll.objects.get(pk=poll.pk)
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
    p.revoked_at = now or timezone.now()
    p.save(update_fields=["revoked_at"])
    if p.poll_id:
        _event(p.poll, "proxy_revoked", actor, proxy=p.pk)
    return p


@transaction.atomic
def poll_close(*, poll: Poll, actor=None, now=None) -> Poll:
    p = _locked(poll)
    now = now or timezone.now()
    if p.status != S.OPEN:
        _refuse(_("Only an open poll can close."))
    if now < p.closes_at and actor is None:
        _refuse(_("The voting window has not ended."))
    if actor is not None and not perms.can_organise(actor, p.compound):
        raise PermissionDenied(_("Only the owners' committee or the community organises this compound's votes."))
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
    return p
