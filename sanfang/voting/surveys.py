"""Anonymous evaluation surveys (无记名测评, seed 002: "对四大类、20 个事项进行现场无记名测评"):
who may run and read them, the writes (create, open with one token per unit, respond, reissue
lost slips, close) and the reads (scoped lists, results). SURVEYS.md says why it is built so.

Writes follow DESIGN habits 1–3: keyword-only, one transaction each, the acting user passed and
checked, an explicit TRANSITIONS table, a ``SurveyEvent`` with its actor per change. A response
is the exception on purpose: ``survey_respond`` takes no actor and writes no event, because a row
per response (with its time and its order) is exactly what anonymity forbids.

Refusals are ``ValidationError`` (a message for the user and a code) or ``PermissionDenied``;
either way nothing has changed.
"""

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfang.accounts.models import Role
from sanfang.accounts.scope import seats_of, sees_everything, visible_compounds
from sanfang.orgs.models import Organization, ServiceContract
from sanfang.places.models import Compound, Unit

from .models import Survey, SurveyEvent, SurveyItem, SurveyResponse, SurveyToken

S = Survey.Status
K = Survey.Subject
TRANSITIONS = {S.DRAFT: {S.OPEN}, S.OPEN: {S.CLOSED}, S.CLOSED: set()}

# District, subdistrict and community staff run surveys in their regions (the hearing of seed
# 002 is held by the community's joint party branch). Grid workers and departments do not.
RUNNER_REGION_ROLES = {Role.DISTRICT_OFFICER, Role.SUBDISTRICT_OFFICER, Role.COMMUNITY_WORKER}
COMMITTEE_KINDS = {Organization.Kind.OWNERS_COMMITTEE, Organization.Kind.MANAGEMENT_COMMITTEE}
# Units that answer: households and shops; a parking space is not a household.
ANSWERING_KINDS = (Unit.Kind.RESIDENCE, Unit.Kind.SHOP)
MAX_ITEMS = 100
SCALES = range(2, 11)


def min_responses() -> int:
    """Below this many responses no result is shown: with one or two, each answer could be read
    back from the distribution (and the organisers know who took part)."""
    return getattr(settings, "SURVEY_MIN_RESPONSES", 3)


# ---------------------------------------------------------------------------------------------
# The preset of seed 002: four groups of five items, the "four services" (四保) the seed's
# hearings bring up — order and parking, cleaning, greening, repairs — with the attitude of each
# team and the disclosure the seed insists on. Chinese: these are data, printed as they are.

PRESETS = {
    "seed-002": {
        "title": "物业服务“四保”现场无记名测评",
        "subject_kind": K.COMPANY,
        "scale": 5,
        "groups": [
            ("秩序维护（保安）", [
                "门岗值守与出入管理（门禁、访客登记）",
                "日常巡逻与安全防范",
                "机动车停放秩序，消防通道畅通",
                "电动自行车规范停放与充电管理（不进楼道、不飞线充电）",
                "保安人员服务态度与仪容仪表",
            ]),
            ("环境卫生（保洁）", [
                "楼道、电梯轿厢等公共部位清洁",
                "道路、广场等公共区域清扫",
                "生活垃圾分类投放引导与清运及时",
                "垃圾箱房及周边环境整洁",
                "保洁人员服务态度与作业规范",
            ]),
            ("绿化养护（保绿）", [
                "绿化修剪及时、整齐",
                "病虫害防治与缺株补种",
                "绿地整洁，无毁绿、占绿",
                "台风、雨雪天气后树木与积雪清理及时",
                "绿化人员服务态度与作业规范",
            ]),
            ("设施维修（保修）", [
                "报修响应及时，按约定时间上门",
                "维修质量与维修后回访",
                "电梯、路灯、门禁、消防等公共设施设备日常养护",
                "服务事项、收费标准、维修资金与公共收益收支公示",
                "维修人员服务态度与收费规范",
            ]),
        ],
    },
}


def preset_items(key: str = "seed-002") -> list[tuple[str, str]]:
    """The (group, item) pairs of a preset, in order."""
    return [(group, text) for group, texts in PRESETS[key]["groups"] for text in texts]


# ---------------------------------------------------------------------------------------------
# Permissions (``can_<verb>(user, obj)``)

def _region_staff(user, compound: Compound) -> bool:
    path = compound.community.path
    return any(s.role in RUNNER_REGION_ROLES and s.region_id and path.startswith(s.region.path)
               for s in seats_of(user))


def _committee_orgs(user) -> list[Organization]:
    today = timezone.localdate()
    return [s.organization for s in seats_of(user)
            if s.role == Role.COMMITTEE_MEMBER and s.organization.kind in COMMITTEE_KINDS
            and s.organization.active_on(today)]


def _committee_of(user, compound: Compound) -> bool:
    return any(org.compound_id == compound.pk for org in _committee_orgs(user))


def can_run(user, compound: Compound, subject_kind: str) -> bool:
    """Staff of the district, subdistrict or community over the compound run any survey there;
    the compound's owners' committee (or interim management committee) runs a survey of the
    property company only — never one of itself."""
    if not (user and user.is_authenticated):
        return False
    if sees_everything(user) or _region_staff(user, compound):
        return True
    return subject_kind == K.COMPANY and _committee_of(user, compound)


def can_manage(user, survey: Survey) -> bool:
    """Open, reissue slips, close: whoever may run such a survey in its compound."""
    return can_run(user, survey.compound, survey.subject_kind)


def _member_of_subject(user, survey: Survey) -> bool:
    return bool(survey.subject_org_id) and any(s.organization_id == survey.subject_org_id
                                               for s in seats_of(user))


def can_see_results(user, survey: Survey) -> bool:
    """After the survey closes (never live: watching the figures move as each person hands in
    would tell their answers), the organisers and the party evaluated (seed 002: "使物业公司看到
    不足") read the results."""
    if survey.status != S.CLOSED or not (user and user.is_authenticated):
        return False
    return can_manage(user, survey) or _member_of_subject(user, survey)


# ---------------------------------------------------------------------------------------------
# Selectors

def surveys_for(user) -> QuerySet:
    """Surveys the user may open a page of: those they may manage, and the closed ones about
    their own organisation; always inside the compounds their seats open (DESIGN habit 8)."""
    qs = Survey.objects.select_related("compound__community", "subject_org")
    if not (user and user.is_authenticated):
        return qs.none()
    if sees_everything(user):
        return qs
    q = Q(pk__in=[])
    for seat in seats_of(user):
        if seat.role in RUNNER_REGION_ROLES and seat.region_id:
            q |= Q(compound__community__path__startswith=seat.region.path)
    for org in _committee_orgs(user):
        q |= Q(compound_id=org.compound_id, subject_kind=K.COMPANY)
    own = [s.organization_id for s in seats_of(user) if s.organization_id]
    if own:
        q |= Q(subject_org_id__in=own, status=S.CLOSED)
    return qs.filter(q, compound__in=visible_compounds(user).values("pk"))


def survey_get_for(*, user, pk) -> Survey:
    """One survey in the user's reach; ``Survey.DoesNotExist`` otherwise (a 404 for views)."""
    return surveys_for(user).get(pk=pk)


def compounds_to_run(user) -> QuerySet:
    """Compounds where the user may run at least a survey of the company."""
    if not (user and user.is_authenticated):
        return Compound.objects.none()
    if sees_everything(user):
        return Compound.objects.all()
    q = Q(pk__in=[org.compound_id for org in _committee_orgs(user) if org.compound_id])
    for seat in seats_of(user):
        if seat.role in RUNNER_REGION_ROLES and seat.region_id:
            q |= Q(community__path__startswith=seat.region.path)
    return visible_compounds(user).filter(q)


def compound_to_run(*, user, code: str) -> Compound | None:
    return compounds_to_run(user).select_related("community").filter(code=(code or "").strip()).first()


def company_of(compound: Compound) -> Organization | None:
    """The company serving the compound today (the latest contract if two overlap)."""
    contract = (ServiceContract.objects.current_on(timezone.localdate()).filter(compound=compound)
                .select_related("company").order_by("-start", "-pk").first())
    return contract.company if contract else None


def committee_of(compound: Compound) -> Organization | None:
    today = timezone.localdate()
    for org in Organization.objects.filter(compound=compound, kind__in=COMMITTEE_KINDS).order_by("kind", "pk"):
        if org.active_on(today):
            return org
    return None


def answering_units(compound: Compound, building: str = "") -> QuerySet:
    units = Unit.objects.filter(compound=compound, kind__in=ANSWERING_KINDS).select_related("building")
    if building:
        units = units.filter(building__number=building)
    return units.order_by("building__number", "entrance", "number", "pk")


def counts(survey: Survey) -> dict:
    """Tokens issued and responses so far: the only live figure (no scores until closed)."""
    tokens = survey.tokens.count()
    responses = survey.responses.count()
    return {"tokens": tokens, "responses": responses, "rate": _share(responses, tokens)}


def grouped_items(survey: Survey) -> list[dict]:
    """Items by group, groups in the order of their first item."""
    groups: dict[str, list[SurveyItem]] = {}
    for item in survey.items.all():
        groups.setdefault(item.group, []).append(item)
    return [{"name": name, "items": items} for name, items in groups.items()]


# ---------------------------------------------------------------------------------------------
# Tokens

# Crockford's base 32: no I, L, O or U, so a code read aloud or typed from paper survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TOKEN_CHARS = 16  # 80 random bits: a stored hash cannot be searched back to its token
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_token() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _i in range(TOKEN_CHARS))
    return "-".join(raw[i:i + 4] for i in range(0, TOKEN_CHARS, 4))


def normalise_token(text: str) -> str:
    """The token as typed (lower case, spaces, dashes, O for 0) in its canonical form, or ""."""
    raw = re.sub(r"[\s\-]", "", str(text or "")).upper().translate(_TYPO)
    if len(raw) != TOKEN_CHARS or any(c not in ALPHABET for c in raw):
        return ""
    return "-".join(raw[i:i + 4] for i in range(0, TOKEN_CHARS, 4))


def token_hash(token: str) -> str:
    return hashlib.sha256(normalise_token(token).encode()).hexdigest()


@dataclass(frozen=True)
class Slip:
    unit_label: str
    token: str


# ---------------------------------------------------------------------------------------------
# Writes

def _event(survey: Survey, kind: str, actor, **data) -> None:
    SurveyEvent.objects.create(survey=survey, kind=kind, data=data,
                               actor=actor if actor is not None and actor.is_authenticated else None)


def _refuse(message, code="not_allowed"):
    raise ValidationError(message, code=code)


def _locked(survey: Survey) -> Survey:
    return Survey.objects.select_for_update().select_related("compound__community").get(pk=survey.pk)


def _move(survey: Survey, to: str) -> None:
    if to not in TRANSITIONS[survey.status]:
        messages = {
            S.OPEN: _("Only a draft survey can be opened."),
            S.CLOSED: _("Only an open survey can be closed."),
        }
        _refuse(messages[to])


def clean_items(items) -> list[tuple[str, str]]:
    """(group, text) pairs stripped, empty ones dropped; a ValidationError names what is wrong."""
    out = []
    for group, text in items:
        group, text = (group or "").strip(), (text or "").strip()
        if not text:
            continue
        if not group:
            raise ValidationError({"items": _("Every item belongs to a group.")})
        if len(group) > 60:
            raise ValidationError({"items": _("A group name has at most 60 characters: %(g)s")
                                   % {"g": group[:60] + "…"}})
        if len(text) > 200:
            raise ValidationError({"items": _("An item has at most 200 characters: %(t)s") % {"t": text[:60] + "…"}})
        out.append((group, text))
    if not out:
        raise ValidationError({"items": _("A survey needs at least one item.")})
    if len(out) > MAX_ITEMS:
        raise ValidationError({"items": _("A survey has at most %(n)d items.") % {"n": MAX_ITEMS}})
    return out


@transaction.atomic
def survey_create(*, compound: Compound, title: str, items, actor, subject_kind: str = K.COMPANY,
                  subject: str = "", scale: int = 5, building: str = "", allow_unknown: bool = True) -> Survey:
    """A draft survey of ``items`` ((group, text) pairs, e.g. ``preset_items("seed-002")``).

    The party evaluated is found, not typed, when it is one: the company serving the compound
    today, or its owners' committee; ``subject`` names anything else."""
    if subject_kind not in K.values:
        raise ValidationError({"subject_kind": _("Choose who is evaluated.")})
    if not can_run(actor, compound, subject_kind):
        raise PermissionDenied(_("Only the community's staff, or the owners' committee for a survey of the "
                                 "property company, run surveys in this compound."))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("This field is required.")})
    if isinstance(scale, bool) or not isinstance(scale, int) or scale not in SCALES:
        raise ValidationError({"scale": _("The highest score is a whole number from 2 to 10.")})
    items = clean_items(items)
    org = None
    if subject_kind == K.COMPANY:
        org = company_of(compound)
        if org is None:
            raise ValidationError({"subject_kind": _("No property company serves this compound under a contract "
                                                     "today.")})
    elif subject_kind == K.OWNERS_COMMITTEE:
        org = committee_of(compound)
        if org is None:
            raise ValidationError({"subject_kind": _("This compound has no owners' committee today.")})
    subject = org.name if org is not None else (subject or "").strip()
    if not subject:
        raise ValidationError({"subject": _("Say who or what is evaluated.")})
    building = (building or "").strip()
    if building and not answering_units(compound, building).exists():
        raise ValidationError({"building": _("No building %(b)s with homes or shops in this compound.")
                               % {"b": building[:20]}})
    survey = Survey.objects.create(compound=compound, title=title[:120], subject_kind=subject_kind,
                                   subject_org=org, subject=subject[:120], building=building, scale=scale,
                                   allow_unknown=allow_unknown, created_by=actor)
    SurveyItem.objects.bulk_create([SurveyItem(survey=survey, order=i + 1, group=g, text=t)
                                    for i, (g, t) in enumerate(items)])
    _event(survey, "created", actor, items=len(items), subject_kind=subject_kind, scale=scale)
    return survey


def _issue(survey: Survey, labels: list[str]) -> list[Slip]:
    slips = [Slip(label, new_token()) for label in labels]
    SurveyToken.objects.bulk_create([SurveyToken(survey=survey, unit_label=s.unit_label,
                                                 token_hash=token_hash(s.token)) for s in slips])
    return slips


@transaction.atomic
def survey_open(*, survey: Survey, actor, now=None) -> list[Slip]:
    """Open the survey: one token per home or shop of the compound (or of its building). The
    plain tokens are returned this once, to print on slips; only their hashes are kept."""
    s = _locked(survey)
    if not can_manage(actor, s):
        raise PermissionDenied(_("You may not run this survey."))
    _move(s, S.OPEN)
    if not s.items.exists():
        _refuse(_("A survey needs at least one item."))
    labels = [str(u) for u in answering_units(s.compound, s.building)]
    if not labels:
        _refuse(_("No homes or shops are on the registry here: no slip can be issued."))
    if len(set(labels)) != len(labels):
        _refuse(_("Two units have the same number on the registry: correct it before opening."))
    slips = _issue(s, labels)
    s.status, s.opened_at = S.OPEN, now or timezone.now()
    s.save(update_fields=["status", "opened_at"])
    _event(s, "opened", actor, tokens=len(slips), building=s.building)
    return slips


def last_event_id(survey: Survey) -> int:
    """The survey's latest event: what a confirmation page saw (``survey_reissue(seen=)``)."""
    return survey.events.order_by("-pk").values_list("pk", flat=True).first() or 0


@transaction.atomic
def survey_reissue(*, survey: Survey, actor, unit_labels: list[str] | None = None,
                   seen: int | None = None) -> list[Slip]:
    """New slips for units that have not answered (all of them, or those named): each old slip
    of those units stops working. For a lost slip, or a printout lost before it was cut.

    ``seen`` is ``last_event_id`` when the confirmation was shown: if slips were opened, issued
    or closed since (the same form sent twice, a reload of the slips page), nothing is issued,
    so a reload never silently voids the slips just printed."""
    s = _locked(survey)
    if not can_manage(actor, s):
        raise PermissionDenied(_("You may not run this survey."))
    if s.status != S.OPEN:
        _refuse(_("Slips are issued only while the survey is open."))
    if seen is not None and seen != last_event_id(s):
        _refuse(_("New slips were issued a moment ago, and shown then: nothing was issued again. If those were "
                  "not printed, ask for new slips once more."), "stale")
    unused = SurveyToken.objects.filter(survey=s, used=False)
    if unit_labels is not None:
        wanted = [label.strip() for label in unit_labels if label.strip()]
        known = dict(SurveyToken.objects.filter(survey=s, unit_label__in=wanted).values_list("unit_label", "used"))
        unknown = [label for label in wanted if label not in known]
        if unknown:
            raise ValidationError({"units": _("Not a unit of this survey: %(u)s") % {"u": ", ".join(unknown[:10])}})
        done = [label for label in wanted if known[label]]
        if done:
            raise ValidationError({"units": _("Already answered, no new slip: %(u)s") % {"u": ", ".join(done[:10])}})
        if not wanted:
            raise ValidationError({"units": _("Name at least one unit.")})
        unused = unused.filter(unit_label__in=wanted)
    slips = []
    for pk, label in unused.order_by("pk").values_list("pk", "unit_label"):
        slip = Slip(label, new_token())
        # Conditional: a slip being answered right now keeps its answer and gets no twin.
        if SurveyToken.objects.filter(pk=pk, used=False).update(token_hash=token_hash(slip.token)) == 1:
            slips.append(slip)
    _event(s, "reissued", actor, tokens=len(slips), units=[sl.unit_label for sl in slips] if unit_labels else [])
    return slips


def _check_scores(survey: Survey, scores) -> dict[str, int | None]:
    """The scores as stored: every item exactly once, each a whole number 1..scale (or None for
    "cannot judge" when the survey allows it)."""
    if not isinstance(scores, dict):
        _refuse(_("The answers are missing."), "incomplete")
    orders = list(survey.items.values_list("order", flat=True))
    given: dict[str, object] = {}
    for key, value in scores.items():
        k = str(key).strip()
        if not re.fullmatch(r"[0-9]{1,6}", k) or int(k) not in orders:  # "²".isdigit(), yet int("²") fails
            _refuse(_("There is no item %(k)s in this survey.") % {"k": k[:10]}, "unknown_item")
        given[str(int(k))] = value
    missing = [o for o in orders if str(o) not in given]
    if missing:
        _refuse(_("Please answer every item; missing: %(items)s.") % {"items": ", ".join(map(str, missing[:20]))},
                "incomplete")
    out: dict[str, int | None] = {}
    for order in orders:
        value = given[str(order)]
        if value is None and survey.allow_unknown:
            out[str(order)] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= survey.scale:
            _refuse(_("Item %(n)d: choose a score from 1 to %(scale)d.") % {"n": order, "scale": survey.scale},
                    "bad_score")
        out[str(order)] = value
    return out


@transaction.atomic
def survey_respond(*, token: str, scores: dict) -> None:
    """One anonymous response, let in by its slip's token, which is then spent.

    No actor and no event, on purpose. The token is spent by a conditional update
    (``used=False`` → ``True``): of two submissions of one slip, however close, exactly one
    updates the row and the other is refused, on any database. The response row carries no
    token, unit, user or time, and a random key."""
    code = normalise_token(token)
    row = SurveyToken.objects.filter(token_hash=token_hash(code)).only("pk", "survey_id").first() if code else None
    if row is None:
        _refuse(_("This code is not valid. Check it against your slip."), "unknown_token")
    # Locked so that closing (which reshuffles the responses) waits for this response, or this
    # response sees the survey closed.
    survey = Survey.objects.select_for_update().get(pk=row.survey_id)
    if survey.status == S.DRAFT:
        _refuse(_("This survey has not opened yet."), "not_open")
    if survey.status == S.CLOSED:
        _refuse(_("This survey has closed."), "closed")
    clean = _check_scores(survey, scores)
    if SurveyToken.objects.filter(pk=row.pk, used=False).update(used=True) != 1:
        _refuse(_("This slip has already been used: each slip counts once."), "used")
    SurveyResponse.objects.create(survey=survey, scores=clean)


def token_state(token: str) -> tuple[Survey | None, str]:
    """What the respondent's page says before the form: ("ok", "unknown_token", "used",
    "not_open", "closed"), with the survey when the token is known. Reads only."""
    code = normalise_token(token)
    row = (SurveyToken.objects.filter(token_hash=token_hash(code)).select_related("survey__compound").first()
           if code else None)
    if row is None:
        return None, "unknown_token"
    survey = row.survey
    if survey.status == S.DRAFT:
        return survey, "not_open"
    if survey.status == S.CLOSED:
        return survey, "closed"
    return survey, "used" if row.used else "ok"


@transaction.atomic
def survey_close(*, survey: Survey, actor, now=None) -> Survey:
    """Close the survey: no more responses. The tokens forget their units (only ``used`` stays,
    for the response rate) and the responses are written again in a random order with new
    random keys, so that from now on neither the rows' order nor the database's own bookkeeping
    (row positions, the transaction that wrote each row) ties a response to a slip."""
    s = _locked(survey)
    if not can_manage(actor, s):
        raise PermissionDenied(_("You may not run this survey."))
    _move(s, S.CLOSED)
    rows = list(SurveyResponse.objects.filter(survey=s).values_list("scores", flat=True))
    secrets.SystemRandom().shuffle(rows)
    SurveyResponse.objects.filter(survey=s).delete()
    SurveyResponse.objects.bulk_create([SurveyResponse(id=uuid.uuid4(), survey=s, scores=scores) for scores in rows],
                                       batch_size=500)
    tokens = SurveyToken.objects.filter(survey=s).update(unit_label=None)
    s.status, s.closed_at = S.CLOSED, now or timezone.now()
    s.save(update_fields=["status", "closed_at"])
    _event(s, "closed", actor, responses=len(rows), tokens=tokens)
    return s


# ---------------------------------------------------------------------------------------------
# Results: exact, in integers and fractions, rounded once for display (DESIGN habit 10)

def _round(value: Fraction | None, places: int = 2):
    """A fraction rounded half up to ``places`` decimals, as a Decimal (None stays None)."""
    if value is None:
        return None
    scaled = value * 10 ** places
    n = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)  # half up, value ≥ 0
    return Decimal(n).scaleb(-places)


def _share(part: int, whole: int):
    return _round(Fraction(part, whole), 4) if whole else None


def _means(items: list[dict]) -> dict:
    """A group's (or all items') figures: the mean of the item means (each item weighs the same)
    and the weighted mean (every score weighs the same, so an item more people could judge
    weighs more); they differ only when some answered "cannot judge"."""
    judged = [i for i in items if i["count"]]
    total = sum(i["sum"] for i in items)
    count = sum(i["count"] for i in items)
    return {
        "count": count, "sum": total, "unknown": sum(i["unknown"] for i in items),
        "mean_of_means": _round(sum((i["exact_mean"] for i in judged), Fraction(0)) / len(judged)) if judged
        else None,
        "weighted_mean": _round(Fraction(total, count)) if count else None,
    }


def results(survey: Survey) -> dict:
    """The survey's results (read them only after ``can_see_results``).

    Per item: how many scored it (``count``), how many could not judge, the distribution
    (``distribution[k-1]`` = how many gave k), the sum and the mean. Per group and overall:
    ``mean_of_means`` and ``weighted_mean`` (see ``_means``). The response rate is responses /
    tokens issued. Means are rounded half up to 2 places, shares to 4, from exact fractions.
    ``shown`` is False below ``min_responses()``: then no score leaves this function."""
    items = list(survey.items.all())
    responses = list(survey.responses.values_list("scores", flat=True))
    tokens = survey.tokens.count()
    base = {"responses": len(responses), "tokens": tokens, "response_rate": _share(len(responses), tokens),
            "scale": survey.scale, "min_responses": min_responses()}
    if len(responses) < min_responses():
        return {**base, "shown": False, "items": [], "groups": [], "overall": None}
    rows, by_group = [], {}
    for item in items:
        dist = [0] * survey.scale
        unknown = 0
        for scores in responses:
            value = scores.get(str(item.order))
            if value is None:
                unknown += 1
            else:
                dist[int(value) - 1] += 1
        count = sum(dist)
        total = sum((k + 1) * n for k, n in enumerate(dist))
        exact = Fraction(total, count) if count else None
        row = {"order": item.order, "group": item.group, "text": item.text, "count": count, "unknown": unknown,
               "distribution": dist, "sum": total, "exact_mean": exact, "mean": _round(exact)}
        rows.append(row)
        by_group.setdefault(item.group, []).append(row)
    groups = [{"name": name, "items": its, **_means(its)} for name, its in by_group.items()]
    return {**base, "shown": True, "items": rows, "groups": groups, "overall": _means(rows)}
