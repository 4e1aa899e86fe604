"""Owners' decisions (Civil Code art. 278): polls with their published items, the roll frozen
when a poll opens, ballots (online, paper, by proxy), proxies, the door-to-door collection log,
and anonymous surveys (无记名测评). The arithmetic is ``rules.py``; this is the record.

Every row that belongs to a compound carries ``compound_id`` (WORKLOADS: sharding by compound).
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sanfang.orgs.models import Organization, Person
from sanfang.places.models import Compound

from .rules import Matter  # noqa: F401  (one list of matters: RULES V1, the codes of TALLY.md)


class Choice(models.TextChoices):
    YES = "yes", pgettext_lazy("ballot", "yes")
    NO = "no", pgettext_lazy("ballot", "no")
    ABSTAIN = "abstain", pgettext_lazy("ballot", "abstain")


class Poll(models.Model):
    """One owners' decision: items published in advance (RULES V13), a voting window, an
    optional building scope (V11), and once closed its result and the head of its ballot log."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ANNOUNCED = "announced", _("announced")
        OPEN = "open", _("voting")
        CLOSED = "closed", _("closed, counting")
        PUBLISHED = "published", _("result published")

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="polls")
    title = models.CharField(_("title"), max_length=120)
    building = models.CharField(_("building (only its owners decide)"), max_length=20, blank=True)
    parking_counts = models.BooleanField(_("parking spaces count"), default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    announced_at = models.DateTimeField(null=True, blank=True)
    opens_at = models.DateTimeField(_("voting opens"))
    closes_at = models.DateTimeField(_("voting closes"))
    allow_change = models.BooleanField(_("a ballot may be changed until the poll closes"), default=False)
    proxies_per_holder = models.PositiveSmallIntegerField(_("most owners one person may represent"), default=5)
    notice_days = models.PositiveSmallIntegerField(
        _("days of notice before voting opens"), default=15,
        help_text=_("RULES V13: 15 days; an extraordinary assembly 7 in Hangzhou (from the meeting policy)."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_on = models.DateField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    log_head_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["compound", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="poll_window_forward"),
        ]

    def __str__(self):
        return self.title


class PollItem(models.Model):
    """One question on the ballot; only published items may be voted on (V13)."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField()
    text = models.CharField(_("item"), max_length=300)
    matter = models.CharField(_("matter"), max_length=24, choices=Matter.choices)

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["poll", "order"], name="poll_item_order_once")]

    def __str__(self):
        return self.text


class RollHead(models.Model):
    """One head of the roll frozen when the poll opened (V6–V8): its units, area in hundredths
    of m² and the people who may vote for it."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="roll")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=12)  # "H0001", the opaque id of the published log
    units = models.JSONField()  # [{"unit": label, "building": ..., "kind": ..., "area": "89.50", "id": pk}]
    area = models.BigIntegerField()  # hundredths of m²
    developer = models.BooleanField(default=False)
    people = models.ManyToManyField(Person, related_name="+", blank=True)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["poll", "key"], name="roll_head_key_once")]

    def __str__(self):
        return f"{self.poll_id}:{self.key}"


def new_receipt() -> str:
    return secrets.token_hex(6).upper()


class Ballot(models.Model):
    """One head's ballot: exactly one per head and poll (the database says so)."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        PAPER = "paper", _("paper")
        PROXY = "proxy", _("by proxy")

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    head = models.ForeignKey(RollHead, on_delete=models.PROTECT, related_name="ballots")
    choices = models.JSONField()  # {"<item order>": "yes" | "no" | "abstain"}
    channel = models.CharField(max_length=8, choices=Channel.choices)
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proxy = models.ForeignKey("Proxy", null=True, blank=True, on_delete=models.PROTECT, related_name="ballots")
    receipt = models.CharField(max_length=12, unique=True, default=new_receipt)
    scan = models.FileField(upload_to="ballots/%Y/%m/", blank=True)
    at = models.DateTimeField(default=timezone.now)
    changed = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["poll", "head"], name="one_ballot_per_head")]

    def __str__(self):
        return self.receipt


class Proxy(models.Model):
    """A written authorisation: an owner lets another person vote for them, for one poll or for
    a period (V13), revocable. The uploaded document is the authorisation itself."""

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    grantor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="proxies_given")
    holder = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="proxies_held")
    poll = models.ForeignKey(Poll, null=True, blank=True, on_delete=models.PROTECT, related_name="proxies")
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    document = models.FileField(upload_to="proxies/%Y/%m/")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name_plural = _("proxies")
        constraints = [
            models.CheckConstraint(
                condition=Q(poll__isnull=False) | Q(valid_from__isnull=False, valid_until__isnull=False),
                name="proxy_poll_or_period"),
            models.CheckConstraint(condition=~Q(grantor=models.F("holder")), name="proxy_not_to_oneself"),
        ]

    def __str__(self):
        return f"{self.grantor_id} → {self.holder_id}"


class PaperVisit(models.Model):
    """The door-to-door collection log of paper ballots: who knocked, when, and what happened."""

    class Outcome(models.TextChoices):
        COLLECTED = "collected", _("ballot collected")
        ABSENT = "absent", _("nobody at home")
        REFUSED = "refused", _("declined to vote")

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="visits")
    head = models.ForeignKey(RollHead, on_delete=models.CASCADE, related_name="visits")
    collector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.head} {self.outcome}"


class PollEvent(models.Model):
    """Every change of a poll (announce, open, close, publish, proxies, paper entries): the
    audit trail kept at least a year after the decision (V10)."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    kind = models.CharField(max_length=20)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.poll_id} {self.kind}"


class Survey(models.Model):
    """An anonymous multi-item evaluation (无记名测评, seed 002: 20 items in 4 groups, scored on
    the spot) of one party of a compound, usually its property company. See SURVEYS.md.

    draft (items editable in the form only) → open (one token per unit issued) → closed (the
    tokens forget their units, the responses are reshuffled, results may be read)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", pgettext_lazy("survey", "open")
        CLOSED = "closed", pgettext_lazy("survey", "closed")

    class Subject(models.TextChoices):
        COMPANY = "company", _("the property company")
        OWNERS_COMMITTEE = "owners_committee", _("the owners' committee")
        OTHER = "other", _("something else")

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="surveys")
    title = models.CharField(_("title"), max_length=120)
    subject_kind = models.CharField(_("who is evaluated"), max_length=20, choices=Subject.choices,
                                    default=Subject.COMPANY)
    # The organisation evaluated (the company serving the compound, or its committee) when there
    # is one: its people may read the results once the survey is closed.
    subject_org = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    subject = models.CharField(_("who is evaluated"), max_length=120, blank=True)
    building = models.CharField(_("building (only its units answer)"), max_length=20, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    scale = models.PositiveSmallIntegerField(_("highest score per item"), default=5)
    allow_unknown = models.BooleanField(_("respondents may answer “cannot judge”"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["compound", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(scale__gte=2, scale__lte=10), name="survey_scale_2_to_10"),
        ]

    def __str__(self):
        return self.title


class SurveyItem(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="items")
    group = models.CharField(_("group"), max_length=60)
    order = models.PositiveSmallIntegerField()
    text = models.CharField(pgettext_lazy("survey", "item"), max_length=200)

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["survey", "order"], name="survey_item_order_once")]

    def __str__(self):
        return self.text


class SurveyToken(models.Model):
    """A one-time token per unit: it lets one response in and is then spent. Only the token's
    SHA-256 is kept; nothing records when it was spent, and responses have no key back to it.
    ``unit_label`` is there while the survey is open (one token per unit, a lost slip replaced);
    closing the survey clears it."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="tokens")
    unit_label = models.CharField(max_length=40, null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "unit_label"], name="survey_token_per_unit")]

    def __str__(self):
        return f"{self.survey_id}:{self.unit_label or '—'}"


class SurveyResponse(models.Model):
    """The scores of one anonymous response and nothing else: no unit, no user, no token, no
    time (not even the day: organisers know who took part on which day), and a random key, so
    neither a column nor the key's order tells whose it is or which came first. Closing the
    survey writes the rows again in a random order."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    scores = models.JSONField()  # {"<item order>": score, or null for "cannot judge"}

    def __str__(self):
        return f"{self.survey_id} response"


class SurveyEvent(models.Model):
    """Every change of a survey (created, opened, slips reissued, closed) with its actor. Never a
    response: a row per response would give each one a time and an order."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    kind = models.CharField(max_length=20)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.survey_id} {self.kind}"
