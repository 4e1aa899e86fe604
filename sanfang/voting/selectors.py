"""Reads of the owners' decisions pages, each with its access check built in (DESIGN habit 8).

Who sees a poll: staff by their seats (``accounts.scope``: committee, community, subdistrict,
district, the serving company, departments), and an owner the polls of every compound where they
own a unit — not a resident's seat alone: only owners decide (Civil Code art. 278). A draft is
not public (RULES V13: nothing is public until the items are announced): only its organisers see
it. Rows outside answer 404.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfang.accounts.models import Role
from sanfang.accounts.scope import compound_q, seats_of, sees_everything
from sanfang.orgs.models import Ownership, Person
from sanfang.places.models import Building, Compound, Unit

from . import permissions as perms
from . import progress as live
from . import rules
from .models import Ballot, PaperVisit, Poll, PollEvent, Proxy, RollHead

_NOTHING = Q(pk__in=[])
S = Poll.Status
HEAD_KEY_PREFIX = "H"


# --- scope ------------------------------------------------------------------------------------


def organised_q(user, prefix: str = "") -> Q:
    """A Q on Compound (or, with ``prefix``, on a model pointing at one) for the compounds whose
    votes the user organises: the query form of ``permissions.can_organise`` (the tests check
    that both agree for every standard actor)."""
    if sees_everything(user):
        return Q()
    q = _NOTHING
    for seat in seats_of(user):
        if seat.role == Role.COMMITTEE_MEMBER and seat.organization_id and seat.organization.compound_id:
            q |= Q(**{f"{prefix}pk": seat.organization.compound_id})
        elif seat.role in perms.ORGANISER_REGION_ROLES and seat.region_id:
            q |= Q(**{f"{prefix}community__path__startswith": seat.region.path})
    return q


def _owned_q(user, prefix: str = "") -> Q:
    person = getattr(user, "person_id", None)
    if not person:
        return _NOTHING
    return Q(**{f"{prefix}pk__in": Ownership.objects.filter(person_id=person).values("compound_id")})


def poll_compounds(user) -> QuerySet:
    """Compounds whose polls the user may see: their staff scope (a resident's seat alone opens
    nothing here) and the compounds where they own a unit."""
    if not user or not user.is_authenticated:
        return Compound.objects.none()
    return Compound.objects.filter(compound_q(user, residents=False) | _owned_q(user))


def visible_polls(user) -> QuerySet:
    if not user or not user.is_authenticated:
        return Poll.objects.none()
    seen = compound_q(user, "compound__", residents=False) | _owned_q(user, "compound__")
    return (Poll.objects.filter(seen & (~Q(status=S.DRAFT) | organised_q(user, "compound__")))
            .select_related("compound__community").defer("result"))


def poll_list(user, *, compound: str = "", status: str = "") -> QuerySet:
    qs = visible_polls(user)
    if compound:
        qs = qs.filter(compound__code=compound)
    if status in S.values:
        qs = qs.filter(status=status)
    return qs.order_by("-opens_at", "-id")


def poll_get_for(*, user, pk: int, with_result: bool = False) -> Poll:
    qs = visible_polls(user)
    if with_result:
        qs = qs.defer(None)
    poll = qs.filter(pk=pk).first()
    if poll is None:
        raise Http404
    return poll


def staff_compound_get_for(*, user, code: str) -> Compound:
    """A compound in the user's staff scope (not merely one where they own a flat); 404 outside."""
    if not user or not user.is_authenticated or not code:
        raise Http404
    compound = (Compound.objects.filter(compound_q(user, residents=False)).select_related("community")
                .filter(code=code).first())
    if compound is None:
        raise Http404
    return compound


def organised_compounds(user) -> QuerySet:
    """Compounds the user may start a poll in, within what they can see."""
    if not user or not user.is_authenticated:
        return Compound.objects.none()
    return Compound.objects.filter(compound_q(user, residents=False)).filter(organised_q(user)).order_by("code")


def is_poll_staff(user, poll: Poll) -> bool:
    """The people who run a vote (organisers and collectors) see its timeline and the roll."""
    return bool(user and user.is_authenticated) and perms.can_collect(user, poll.compound)


# --- the poll and its rules --------------------------------------------------------------------


def decision_day(poll: Poll) -> date:
    """The day the decision is taken, which picks the rule set (RULES V12): the day it closed,
    or until then the last day of its window."""
    return poll.decided_on or timezone.localdate(poll.closes_at)


def _test_text(test: rules.Test) -> str:
    if test.of == rules.TOTAL:
        return _("area %(area)s of the total area, and heads %(heads)s of all owners") % {
            "area": test.area, "heads": test.heads}
    return _("area %(area)s of the participating area, and heads %(heads)s of the participating owners") % {
        "area": test.area, "heads": test.heads}


def item_rules(poll: Poll, rule_set=None) -> list[dict]:
    """Each item with the thresholds that apply to it (RULES V2–V5, V12)."""
    try:
        rule_set = rules.get_rule_set(rule_set) if rule_set else rules.rule_set_for(decision_day(poll))
    except rules.TallyError:
        rule_set = None
    rows = []
    for item in poll.items.all():
        row = {"item": item, "order": item.order, "text": item.text, "matter": item.matter,
               "matter_label": item.get_matter_display(), "rule_set": rule_set.id if rule_set else ""}
        if rule_set:
            t = rule_set.thresholds
            klass = rules.matter_class(item.matter, rule_set)
            row.update(matter_class=klass, source=t.source, quorum=_test_text(t.quorum),
                       passing=_test_text(t.major if klass == rules.MAJOR else t.ordinary))
        rows.append(row)
    return rows


def _event_labels() -> dict:
    return {
        "created": _("created"), "announced": _("announced: items published"),
        "opened": _("voting opened, roll frozen"), "open_refused": _("could not open"),
        "paper_ballot": _("paper ballot entered"), "proxy_granted": _("proxy registered"),
        "proxy_revoked": _("proxy revoked"), "closed": _("voting closed"), "published": _("result published"),
    }


def timeline(poll: Poll) -> list[dict]:
    labels = _event_labels()
    return [{"event": e, "label": labels.get(e.kind, e.kind), "data": e.data}
            for e in PollEvent.objects.filter(poll=poll).select_related("actor").order_by("at", "id")]


def roll_size(poll: Poll) -> dict:
    heads = RollHead.objects.filter(poll=poll)
    return {"heads": heads.count(), "ballots": Ballot.objects.filter(poll=poll).count()}


# --- an owner's ballot -------------------------------------------------------------------------


@dataclass
class Voter:
    """One head the user may vote for: their own, or an owner's who authorised them."""

    head: RollHead
    ballot: Ballot | None
    for_person: int | None  # None: the user's own head
    grantor: Person | None = None
    proxy: Proxy | None = None
    voted_by_owner: bool = False  # a proxy's head whose ballot the owner cast: not the holder's to see

    @property
    def labels(self) -> list[str]:
        return [u["unit"] for u in self.head.units]


def _ballots_by_head(poll: Poll, heads) -> dict:
    return {b.head_id: b for b in Ballot.objects.filter(poll=poll, head__in=[h.pk for h in heads])}


def own_heads(user, poll: Poll) -> list[Voter]:
    """The heads of the roll the user is one of the people of, by key: an owner of a flat alone
    and of another with someone else is one of two heads (RULES V7) and votes for each."""
    person = getattr(user, "person_id", None)
    if not person:
        return []
    heads = list(RollHead.objects.filter(poll=poll, people__id=person).order_by("key"))
    ballots = _ballots_by_head(poll, heads)
    return [Voter(head=h, ballot=ballots.get(h.pk), for_person=None) for h in heads]


def valid_proxies(user, poll: Poll, on: date | None = None) -> QuerySet:
    """Authorisations the user holds that count for this poll today: not revoked, and for this
    poll or for a period covering today (as ``services.valid_proxy`` checks)."""
    person = getattr(user, "person_id", None)
    if not person:
        return Proxy.objects.none()
    on = on or timezone.localdate()
    return (Proxy.objects.filter(compound_id=poll.compound_id, holder_id=person, revoked_at__isnull=True)
            .filter(Q(poll=poll) | Q(poll__isnull=True, valid_from__lte=on, valid_until__gte=on))
            .select_related("grantor").order_by("grantor__name", "id"))


def proxy_heads(user, poll: Poll, on: date | None = None, *, skip=()) -> list[Voter]:
    """The heads the user may vote for by proxy: every head of each owner who authorised them,
    each once (two co-owners who both authorised the same person share one head), leaving out
    the heads in ``skip`` (the user's own)."""
    proxies = {}
    for p in valid_proxies(user, poll, on):
        proxies.setdefault(p.grantor_id, p)
    heads = (RollHead.objects.filter(poll=poll, people__id__in=list(proxies)).exclude(pk__in=[h.pk for h in skip])
             .prefetch_related("people").distinct().order_by("key"))
    found = [(h, next(proxies[p.pk] for p in h.people.all() if p.pk in proxies)) for h in heads]
    ballots = _ballots_by_head(poll, [h for h, _p in found])
    holder = getattr(user, "person_id", None)
    mine = set(Proxy.objects.filter(pk__in={b.proxy_id for b in ballots.values() if b.proxy_id}, holder_id=holder)
               .values_list("pk", flat=True))
    voters = []
    for h, p in found:
        ballot = ballots.get(h.pk)
        # The holder sees a ballot they cast; one the owner cast themself is the owner's: its
        # receipt and choices would find it in the published log.
        theirs = ballot is not None and ballot.proxy_id in mine
        voters.append(Voter(head=h, ballot=ballot if theirs else None, for_person=p.grantor_id, grantor=p.grantor,
                            proxy=p, voted_by_owner=ballot is not None and not theirs))
    return sorted(voters, key=lambda v: (v.grantor.name, v.head.key))


# --- paper ballots and the door-to-door log ----------------------------------------------------


def poll_buildings(poll: Poll) -> list[str]:
    qs = Building.objects.filter(compound_id=poll.compound_id)
    if poll.building:
        qs = qs.filter(number=poll.building)
    return list(qs.order_by("number").values_list("number", flat=True))


def unvoted_heads(poll: Poll, *, building: str = "") -> QuerySet:
    """Heads with no ballot yet, in roll order, each with its visits (the collector's round).
    ``building`` keeps the heads with an owner of a unit in that building."""
    qs = RollHead.objects.filter(poll=poll).filter(~Exists(Ballot.objects.filter(head=OuterRef("pk"))))
    if building:
        owners = Ownership.objects.filter(compound_id=poll.compound_id, unit__building__number=building)
        qs = qs.filter(Exists(RollHead.people.through.objects.filter(
            rollhead_id=OuterRef("pk"), person_id__in=owners.values("person_id"))))
    visits = PaperVisit.objects.select_related("collector").order_by("at", "id")
    return qs.order_by("key").prefetch_related(Prefetch("visits", queryset=visits))


def head_lookup(poll: Poll, value: str) -> RollHead | None:
    """The head of the roll named by its key (``H0007``) or by the label of any of its units
    (``1-1-101``), as the frozen roll lists them."""
    value = (value or "").strip()
    if not value:
        return None
    if value[:1].upper() == HEAD_KEY_PREFIX and value[1:].isdigit():
        return RollHead.objects.filter(poll=poll, key=value.upper()).first()
    parts = value.split("-")
    suffixes = {"-".join(parts[i:]) for i in range(len(parts))}
    units = [u.pk for u in Unit.objects.filter(compound_id=poll.compound_id, number__in=suffixes)
             .select_related("building") if str(u) == value]
    if not units:
        return None
    owners = Ownership.objects.filter(unit_id__in=units).values("person_id")
    for head in RollHead.objects.filter(poll=poll, people__id__in=owners).distinct().order_by("key"):
        if any(u["unit"] == value for u in head.units):
            return head
    return None


# --- proxies -----------------------------------------------------------------------------------


def owner_lookup(compound: Compound, *, unit: str, name: str) -> Person | None:
    """An owner of ``compound`` named by one of their units' label and their name."""
    unit, name = (unit or "").strip(), (name or "").strip()
    if not unit or not name:
        return None
    parts = unit.split("-")
    suffixes = {"-".join(parts[i:]) for i in range(len(parts))}
    found = {o.person_id: o.person for o in Ownership.objects.filter(
        compound=compound, unit__number__in=suffixes, person__name=name).select_related("unit__building", "person")
        if str(o.unit) == unit}
    return next(iter(found.values())) if len(found) == 1 else None


def current_proxies(compound: Compound, on: date | None = None) -> QuerySet:
    """Authorisations not revoked whose poll is still to be decided, or whose period has not
    ended, with each person's units in the compound."""
    on = on or timezone.localdate()
    units = Ownership.objects.filter(compound=compound).select_related("unit__building")
    return (Proxy.objects.filter(compound=compound, revoked_at__isnull=True)
            .filter(Q(poll__status__in=[S.DRAFT, S.ANNOUNCED, S.OPEN]) | Q(poll__isnull=True, valid_until__gte=on))
            .select_related("grantor", "holder", "poll", "created_by")
            .prefetch_related(Prefetch("grantor__ownerships", queryset=units, to_attr="here"),
                              Prefetch("holder__ownerships", queryset=units, to_attr="here"))
            .order_by("holder__name", "holder_id", "id"))


def same_proxy_exists(compound: Compound, *, grantor, holder, poll=None, valid_from=None,
                      valid_until=None) -> bool:
    """A current authorisation exactly like this one: the same form sent twice. Two would make
    revoking "the" authorisation leave its twin in force."""
    return Proxy.objects.filter(compound=compound, grantor=grantor, holder=holder, revoked_at__isnull=True,
                                poll=poll, valid_from=valid_from, valid_until=valid_until).exists()


def proxy_get_for(*, user, pk: int) -> Proxy:
    """An authorisation in a compound the user collects ballots in; 404 otherwise, and for one
    tied to a draft poll unless the user organises it (a draft is its organisers', RULES V13)."""
    proxy = Proxy.objects.select_related("compound__community", "grantor", "holder", "poll").filter(pk=pk).first()
    if proxy is None or not user.is_authenticated or not perms.can_collect(user, proxy.compound):
        raise Http404
    if proxy.poll is not None and proxy.poll.status == S.DRAFT and not perms.can_organise(user, proxy.compound):
        raise Http404
    return proxy


def holder_counts(proxies, poll: Poll | None, on: date | None = None) -> list[dict]:
    """Per holder, the owners they may represent in ``poll`` (or, without a poll, all their
    current authorisations), against the poll's cap."""
    on = on or timezone.localdate()
    counts: dict[int, dict] = {}
    for p in proxies:
        if poll is not None and not (p.poll_id == poll.pk or (p.poll_id is None and p.valid_from <= on <= p.valid_until)):
            continue
        row = counts.setdefault(p.holder_id, {"holder": p.holder, "grantors": set()})
        row["grantors"].add(p.grantor_id)
    cap = poll.proxies_per_holder if poll else None
    return [{"holder": r["holder"], "count": len(r["grantors"]), "cap": cap,
             "over": cap is not None and len(r["grantors"]) > cap}
            for r in sorted(counts.values(), key=lambda r: (-len(r["grantors"]), r["holder"].name))]


def compound_polls(compound: Compound, statuses=(S.DRAFT, S.ANNOUNCED, S.OPEN)) -> QuerySet:
    return Poll.objects.filter(compound=compound, status__in=statuses).defer("result").order_by("-opens_at", "-id")


# --- live progress and the published result ----------------------------------------------------


def _share(part: int, whole: int) -> float:
    # For the chart only: whether a threshold is met comes from the exact tally (RULES V5).
    return round(100 * part / whole, 2) if whole else 0.0


def _ratio_pct(ratio: rules.Ratio) -> float:
    return round(100 * ratio.num / ratio.den, 2)


def _item_figures(result: dict, matter: str, missing: dict | None = None) -> dict:
    """One item's counts on both bases, its thresholds and what is still missing, in the units
    the pages show (areas as m² strings with two places)."""
    rule_set = rules.get_rule_set(result["rule_set"])
    t = rule_set.thresholds
    klass = rules.matter_class(matter, rule_set)
    test = t.major if klass == rules.MAJOR else t.ordinary
    area = {k: rules.parse_area(result[k]["area"]) for k in ("total", "participating", "yes", "no", "abstain")}
    heads = {k: result[k]["heads"] for k in ("total", "participating", "yes", "no", "abstain")}
    missing = missing or rules.shortfall(result, rule_set, matter)
    left = {"heads": heads["total"] - heads["participating"], "area": area["total"] - area["participating"]}
    yes_base = "total" if test.of == rules.TOTAL else "participating"

    def gap(which):
        m = missing[which]
        return {"heads": m["heads"], "area": rules.format_area(m["area"]),
                "met": m["heads"] == 0 and m["area"] == 0,
                "reachable": m["heads"] <= left["heads"] and m["area"] <= left["area"]}

    return {
        "rule_set": rule_set.id, "source": t.source, "matter_class": klass,
        "quorum_rule": _test_text(t.quorum), "passing_rule": _test_text(test),
        "counts": {k: {"heads": heads[k], "area": rules.format_area(area[k])} for k in heads},
        "quorum_met": result["quorum_met"], "passed": result["passed"],
        "missing": {"quorum": gap("quorum"), "passing": gap("passing")},
        "left": {"heads": left["heads"], "area": rules.format_area(left["area"])},
        "chart": {
            "part": [_share(area["participating"], area["total"]), _share(heads["participating"], heads["total"])],
            "yes": [_share(area["yes"], area[yes_base]), _share(heads["yes"], heads[yes_base])],
            "quorum": _ratio_pct(t.quorum.area), "passing": _ratio_pct(test.area),
        },
    }


def progress_items(poll: Poll) -> dict:
    """The cached live progress (``progress.progress``: no scan per request), shaped for the
    page. Raises ``rules.TallyError`` when the roll cannot be counted (no area at all)."""
    data = live.progress(poll)
    items = []
    for item in data["items"]:
        figures = _item_figures(item["result"], item["matter"], item.get("missing"))
        items.append({"order": item["order"], "text": item["text"], "matter": item["matter"],
                      "matter_label": rules.Matter(item["matter"]).label, **figures})
    at = data.get("computed_at")
    return {"ballots": data["ballots"], "computed_at": datetime.fromisoformat(at) if isinstance(at, str) else at,
            "items": items}


def published_items(poll: Poll) -> list[dict]:
    """The published result per item, with the head hash of each item's ballot log."""
    out = []
    for item in (poll.result or {}).get("items", []):
        figures = _item_figures(item["result"], item["matter"])
        out.append({"order": item["order"], "text": item["text"], "matter": item["matter"],
                    "matter_label": rules.Matter(item["matter"]).label, "head_hash": item["log"]["head_hash"],
                    "entries": len(item["log"]["entries"]), **figures})
    return out
