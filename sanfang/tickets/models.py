"""Residents' cases: configuration (categories, routing, policy), the case and its tiers,
summons, mediation, feedback, attachments, the event timeline and the figures rollup.

Every row that belongs to a compound carries ``compound_id`` (WORKLOADS: sharding by compound).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanfang.orgs.models import Organization
from sanfang.places.models import Compound, Region, Unit

from .rules import (
    DEFAULT_LADDER,
    KIND_DEFAULTS,
    OPEN,
    TIER_DEFAULTS,
    Kind,
    Rating,
    Responsible,
    Status,
    Tier,
    parse_ladder,
    parse_span,
    validate_span,
)


def _span_field(verbose, default=""):
    return models.CharField(verbose, max_length=8, blank=not default, default=default, validators=[validate_span],
                            help_text=_("Working days or hours, such as 5d or 4h."))


class TicketPolicy(models.Model):
    """How a city (or a district overriding it) runs the loop: the ladder, each tier's clock,
    summons deadlines and when a case moves up by itself (RULES T2, T4). The nearest region
    above a compound with a policy wins; with none, the defaults of RULES apply."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="ticket_policy")
    ladder = models.CharField(_("escalation ladder"), max_length=80, default=",".join(DEFAULT_LADDER),
                              help_text=_("Tiers from the compound up, separated by commas."))
    compound_within = _span_field(_("time at the compound tier"), TIER_DEFAULTS[Tier.COMPOUND])
    community_within = _span_field(_("time at the community tier"), TIER_DEFAULTS[Tier.COMMUNITY])
    subdistrict_within = _span_field(_("time at the subdistrict tier"), TIER_DEFAULTS[Tier.SUBDISTRICT])
    district_within = _span_field(_("time at the district tier"), TIER_DEFAULTS[Tier.DISTRICT])
    pre_review = models.BooleanField(
        _("owners' committee pre-reviews first"), default=True,
        help_text=_("先议先审: in a compound with an owners' committee, the committee accepts each case first."))
    summons_report_within = _span_field(_("department reports in within"), "1d")
    summons_done_within = _span_field(_("department acts and reports back within"), "5d")
    recheck_within = _span_field(_("a reopened case is resolved again within"), "3d")
    feedback_within = _span_field(_("closed without feedback after"), "5d")
    overdue_escalates = models.BooleanField(_("an overdue case moves up by itself"), default=True)
    unhappy_escalates = models.BooleanField(_("an unhappy rating moves the case up"), default=True)

    class Meta:
        verbose_name = _("case policy")
        verbose_name_plural = _("case policies")

    def __str__(self):
        return str(self.region)

    def clean(self):
        from django.core.exceptions import ValidationError

        try:
            parse_ladder(self.ladder)
        except ValueError as exc:
            raise ValidationError({"ladder": str(exc)}) from None

    def tier_span(self, tier: str):
        return parse_span(getattr(self, f"{tier}_within"))


class Category(models.Model):
    """A kind of case residents can raise (an Open311 service), configured per city."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("what it covers"), max_length=200, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="ticket_categories",
                               help_text=_("The city or district where this category applies."))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.HELP)
    responsible = models.CharField(_("first responsible party"), max_length=20, choices=Responsible.choices)
    department = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   limit_choices_to={"kind": Organization.Kind.DEPARTMENT},
                                   verbose_name=_("department"))
    accept_within = _span_field(_("accept within"), "4h")
    respond_within = _span_field(_("respond within"), "1d")
    resolve_within = _span_field(_("resolve within"), "5d")
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        constraints = [
            models.CheckConstraint(condition=~Q(responsible=Responsible.DEPARTMENT) | Q(department__isnull=False),
                                   name="category_department_named",
                                   violation_error_message=_("Name the department this category goes to.")),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def with_kind_defaults(cls, **fields) -> "Category":
        accept, respond, resolve = KIND_DEFAULTS[fields.get("kind", Kind.HELP)]
        fields.setdefault("accept_within", accept)
        fields.setdefault("respond_within", respond)
        fields.setdefault("resolve_within", resolve)
        return cls(**fields)


class RoutingOverride(models.Model):
    """A compound's own routing of one category: another first party or other deadlines.
    Blank deadlines keep the category's."""

    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="ticket_routes")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="overrides")
    responsible = models.CharField(_("first responsible party"), max_length=20, choices=Responsible.choices)
    department = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   limit_choices_to={"kind": Organization.Kind.DEPARTMENT})
    accept_within = _span_field(_("accept within"))
    respond_within = _span_field(_("respond within"))
    resolve_within = _span_field(_("resolve within"))

    class Meta:
        verbose_name = _("compound routing")
        constraints = [
            models.UniqueConstraint(fields=["compound", "category"], name="routing_once_per_compound"),
            models.CheckConstraint(condition=~Q(responsible=Responsible.DEPARTMENT) | Q(department__isnull=False),
                                   name="routing_department_named",
                                   violation_error_message=_("Name the department this category goes to.")),
        ]

    def __str__(self):
        return f"{self.compound} · {self.category}"


def new_reference() -> str:
    """A short public reference residents can read out on the phone (no 0/O/1/I)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class TicketQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN)


class Ticket(models.Model):
    class Channel(models.TextChoices):
        APP = "app", _("resident online")
        PHONE = "phone", _("phone call")
        VISIT = "visit", _("visit")
        PATROL = "patrol", _("grid patrol")
        HOTLINE = "hotline", _("12345 hotline")
        OPEN311 = "open311", _("Open311 client")

    reference = models.CharField(_("reference"), max_length=12, unique=True, default=new_reference, editable=False)
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="tickets")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tickets")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    external_id = models.CharField(_("hotline work order number"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), max_length=2000)
    location = models.CharField(_("where"), max_length=120, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="raised_tickets")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    reporter_name = models.CharField(_("resident's name"), max_length=40, blank=True)
    reporter_phone = models.CharField(_("resident's phone"), max_length=20, blank=True, db_index=True)

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    tier = models.CharField(_("tier"), max_length=12, choices=Tier.choices, default=Tier.COMPOUND)
    responsible = models.CharField(_("first responsible party"), max_length=20, choices=Responsible.choices)
    responsible_org = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="tickets_responsible")
    company = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                help_text="The company serving the compound when the case was raised.")
    pre_review = models.BooleanField(default=False, help_text="The owners' committee accepts first (先议先审).")

    # The clock of the current tier; ``due_at`` is the next deadline of the current state
    # (DESIGN habit 5: overdue is ``due_at < now`` in a query).
    accept_due = models.DateTimeField(null=True, blank=True)
    respond_due = models.DateTimeField(null=True, blank=True)
    resolve_due = models.DateTimeField(null=True, blank=True)
    feedback_due = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    overdue_flagged = models.BooleanField(default=False)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # On time at the first pass, kept once known, for the figures.
    accepted_on_time = models.BooleanField(null=True)
    responded_on_time = models.BooleanField(null=True)
    resolved_on_time = models.BooleanField(null=True)
    resolution_note = models.TextField(_("how it was resolved"), blank=True)
    reject_reason = models.CharField(_("reason"), max_length=200, blank=True)
    redirect_to = models.CharField(_("where to go instead"), max_length=200, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged")
    escalations = models.PositiveSmallIntegerField(default=0)
    reopens = models.PositiveSmallIntegerField(default=0)
    me_too = models.PositiveIntegerField(_("me too"), default=0)
    rating = models.CharField(_("last rating"), max_length=12, choices=Rating.choices, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["compound", "status", "due_at"]),
            models.Index(fields=["responsible_org", "status", "due_at"]),
            models.Index(fields=["tier", "status", "due_at"]),
            models.Index(fields=["due_at"], condition=Q(status__in=sorted(OPEN | {Status.RESOLVED})),
                         name="ticket_due_open_idx"),
            # Each tier's open cases in deadline order: the inbox of a subdistrict or district
            # officer walks this and stops at the 21st case in their area (bench inbox).
            models.Index(fields=["tier", "due_at"], condition=Q(status__in=sorted(OPEN)),
                         name="ticket_open_tier_due_idx"),
            # A company's or department's inbox: the open cases sent to it at a tier, in deadline
            # order — it reads its 21 rows and stops (bench inbox).
            models.Index(fields=["responsible_org", "tier", "due_at"], condition=Q(status__in=sorted(OPEN)),
                         name="ticket_open_org_tier_due_idx"),
            # The inbox of a committee, a community worker or a subdistrict officer: the open cases
            # of each of their compounds at their tier (and, for a community, those of the
            # residents' committee still at the compound tier) without reading the others.
            models.Index(fields=["compound", "tier", "responsible", "due_at"], condition=Q(status__in=sorted(OPEN)),
                         name="ticket_open_compound_tier_idx"),
            models.Index(fields=["raised_by", "-id"]),
            models.Index(fields=["compound", "category", "status"]),
        ]
        constraints = [
            # A hotline work order arrives once, however often the hotline re-sends it.
            models.UniqueConstraint(fields=["channel", "external_id"], condition=~Q(external_id=""),
                                    name="ticket_external_once"),
            models.CheckConstraint(condition=~Q(status=Status.MERGED) | Q(merged_into__isnull=False),
                                   name="ticket_merged_has_target"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def overdue(self) -> bool:
        return self.due_at is not None and self.due_at < timezone.now()


class TierStint(models.Model):
    """A case's time at one tier, with that tier's own clock. One open stint per case."""

    class End(models.TextChoices):
        DECISION = "decision", _("moved up by decision")
        OVERDUE = "overdue", _("moved up when overdue")
        UNHAPPY = "unhappy", _("moved up after an unhappy rating")
        SETTLED = "settled", _("settled here")
        REJECTED = "rejected", _("rejected")
        MERGED = "merged", _("merged")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="stints")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(max_length=12, choices=Tier.choices)
    started_at = models.DateTimeField(default=timezone.now)
    resolve_due = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_how = models.CharField(max_length=10, choices=End.choices, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket"], condition=Q(ended_at__isnull=True), name="one_open_stint"),
        ]

    def __str__(self):
        return f"{self.ticket_id} @ {self.tier}"


class Summons(models.Model):
    """The subdistrict summons a department (街道吹哨、部门报到); counted for both (RULES T3)."""

    class State(models.TextChoices):
        SUMMONED = "summoned", _("summoned")
        REPORTED = "reported", _("reported in")
        DONE = "done", _("acted and reported back")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="summonses")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="summonses",
                                   limit_choices_to={"kind": Organization.Kind.DEPARTMENT})
    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    summoned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    summoned_at = models.DateTimeField(default=timezone.now)
    request = models.TextField(_("what is asked"), max_length=1000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUMMONED)
    report_due = models.DateTimeField()
    done_due = models.DateTimeField()
    reported_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    report_note = models.TextField(_("report"), blank=True)

    class Meta:
        verbose_name = _("summons")
        verbose_name_plural = _("summonses")
        ordering = ["summoned_at", "id"]
        indexes = [models.Index(fields=["department", "state", "report_due"])]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "department"], condition=~Q(state="done"),
                                    name="one_open_summons_per_department"),
        ]

    def __str__(self):
        return f"{self.department} ← {self.ticket}"

    @property
    def due_at(self):
        return self.report_due if self.state == self.State.SUMMONED else self.done_due

    @property
    def reported_on_time(self):
        return None if self.reported_at is None else self.reported_at <= self.report_due

    @property
    def done_on_time(self):
        return None if self.done_at is None else self.done_at <= self.done_due


class Mediation(models.Model):
    """Mediation of a dispute between neighbours or between owners and the company (纠纷调解)."""

    class Kind(models.TextChoices):
        NEIGHBOURS = "neighbours", _("between neighbours")
        OWNERS_COMPANY = "owners_company", _("between owners and the company")
        OTHER = "other", _("other")

    class Outcome(models.TextChoices):
        OPEN = "open", _("under way")
        AGREED = "agreed", _("agreement reached")
        FAILED = "failed", _("no agreement")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="mediations")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parties = models.TextField(_("parties"), max_length=500, help_text=_("One party per line."))
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(max_length=12, choices=Tier.choices)
    opened_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.OPEN)
    agreement = models.TextField(_("agreement"), blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_tier = models.CharField(max_length=12, choices=Tier.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket"], condition=Q(outcome="open"), name="one_open_mediation"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.ticket}"

    @property
    def party_list(self) -> list[str]:
        return [p.strip() for p in self.parties.splitlines() if p.strip()]


class MediationSession(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    attendees = models.CharField(_("present"), max_length=300)
    notes = models.TextField(_("notes"), max_length=2000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["held_at", "id"]

    def __str__(self):
        return f"{self.mediation} {self.held_at:%Y-%m-%d}"


class Feedback(models.Model):
    """The resident's word on a resolution (回访): one per resolution round."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="feedback")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField()
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices)
    fixed = models.BooleanField(_("the problem is fixed"), default=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    by_staff_call = models.BooleanField(default=False, help_text="Recorded by staff from a follow-up call.")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "round"], name="one_feedback_per_round")]

    def __str__(self):
        return f"{self.ticket} #{self.round} {self.rating}"


class MeToo(models.Model):
    """Another resident reporting the same problem: counted on the case, once per person."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="me_toos")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    phone = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], condition=Q(user__isnull=False), name="me_too_once_user"),
            models.UniqueConstraint(fields=["ticket", "phone"], condition=~Q(phone=""), name="me_too_once_phone"),
        ]

    def __str__(self):
        return f"{self.ticket} +1"


class TicketEvent(models.Model):
    """Every state change, comment, summons and feedback of a case (DESIGN habit 3): the audit
    trail, the timeline (in full for staff, in plain words for the resident) and the figures'
    source. Written in the same transaction as the change."""

    class Kind(models.TextChoices):
        CREATED = "created", _("raised")
        PRE_REVIEWED = "pre_reviewed", _("pre-reviewed by the owners' committee")
        ACCEPTED = "accepted", _("accepted")
        STARTED = "started", _("work started")
        COMMENT = "comment", _("comment")
        RESOLVED = "resolved", _("resolved")
        FEEDBACK = "feedback", _("resident's feedback")
        CLOSED = "closed", _("closed")
        REJECTED = "rejected", _("rejected")
        REOPENED = "reopened", _("reopened")
        ESCALATED = "escalated", _("moved up")
        OVERDUE = "overdue", _("overdue at the top tier")
        MERGED = "merged", _("merged")
        ME_TOO = "me_too", _("another resident reported the same")
        SUMMONED = "summoned", _("department summoned")
        REPORTED_IN = "reported_in", _("department reported in")
        SUMMONS_DONE = "summons_done", _("department reported back")
        MEDIATION_OPENED = "mediation_opened", _("mediation opened")
        MEDIATION_SESSION = "mediation_session", _("mediation session held")
        MEDIATION_ENDED = "mediation_ended", _("mediation ended")
        ATTACHMENT = "attachment", _("photo or file added")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    old_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    new_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    tier = models.CharField(max_length=12, choices=Tier.choices)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True, help_text="Shown to the resident.")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"])]

    def __str__(self):
        return f"{self.ticket_id} {self.kind}"


def attachment_path(instance, filename):
    # The stored name is ours, never the uploader's: no path tricks, no personal names on disk.
    return f"tickets/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{instance.extension}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(TicketEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    at = models.DateTimeField(default=timezone.now)

    EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf"}

    def __str__(self):
        return self.original_name

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class PhoneCode(models.Model):
    """A one-time code sent to a phone so a resident without an account can report and follow
    their cases. Only the code's hash is stored."""

    phone = models.CharField(max_length=20, db_index=True)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.phone[:3]}…{self.phone[-2:]}"


class Notification(models.Model):
    """An in-app message; email or SMS copies go through the pluggable sender (tickets.notify)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)
    read = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read", "-id"])]

    def __str__(self):
        return self.text


class TicketStat(models.Model):
    """The figures' rollup (DESIGN habit 11): cases raised on ``day`` in a compound and
    category, and what has become of them so far. Rebuilt by ``sanfang tick`` for every
    (day, compound) whose cases changed; a page never scans the cases table."""

    day = models.DateField()
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Organization, null=True, on_delete=models.CASCADE, related_name="+")
    created = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)
    counted = models.PositiveIntegerField(default=0)  # created minus merged: the denominator
    accepted_same_day = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    responded_on_time = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolved_on_time = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    settled_compound = models.PositiveIntegerField(default=0)
    settled_community = models.PositiveIntegerField(default=0)
    settled_higher = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "compound", "category", "company"], name="ticket_stat_key"),
        ]
        indexes = [models.Index(fields=["day", "community"]), models.Index(fields=["compound", "day"])]

    def __str__(self):
        return f"{self.day} {self.compound_id} {self.category_id}"


class SummonsStat(models.Model):
    """Summonses by day issued, per subdistrict and department (RULES T3 counts both sides)."""

    day = models.DateField()
    subdistrict = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    summoned = models.PositiveIntegerField(default=0)
    reported = models.PositiveIntegerField(default=0)
    reported_on_time = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    done_on_time = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "subdistrict", "department"], name="summons_stat_key")]

    def __str__(self):
        return f"{self.day} {self.department_id}"


class RollupMark(models.Model):
    """How far the rollups have been brought up to date (``updated_at`` of cases seen)."""

    name = models.CharField(max_length=40, unique=True)
    until = models.DateTimeField()

    def __str__(self):
        return f"{self.name} until {self.until}"
