"""Meetings of the three parties and the owners (red-tea deliberation, the three meetings, joint
and fee negotiation meetings, the owners' committee under RULES C6, party organisation meetings,
owners' assemblies), and motions through the three-step deliberation (三议).

Every row that belongs to a compound carries ``compound_id`` (WORKLOADS: sharding by compound);
community-level meetings have no compound and carry their community.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanfang.orgs.models import Organization, Person
from sanfang.places.models import Compound, Region, Unit
from sanfang.voting.models import Matter, Poll

from .rules import COMPOUND_ONLY, Kind, Stage, Status


class MeetingPolicy(models.Model):
    """How a city (or a district, subdistrict or community overriding it) runs meetings: the
    notice periods and the committee's deadlines. The nearest region above (or at) the
    meeting's community with a row wins; with none, the defaults of RULES apply."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="meeting_policy")
    assembly_notice_days = models.PositiveSmallIntegerField(
        _("notice of an owners' assembly (days)"), default=15, help_text=_("RULES V13: 15 days."))
    extraordinary_assembly_notice_days = models.PositiveSmallIntegerField(
        _("notice of an extraordinary owners' assembly (days)"), default=7,
        help_text=_("RULES V13, Hangzhou: 7 days."))
    committee_notice_days = models.PositiveSmallIntegerField(
        _("notice of an owners' committee meeting (days)"), default=7, help_text=_("RULES C6: 7 days."))
    party_notice_days = models.PositiveSmallIntegerField(_("notice of a party organisation meeting (days)"),
                                                         default=3)
    deliberation_notice_days = models.PositiveSmallIntegerField(_("notice of a deliberation meeting (days)"),
                                                                default=3)
    hearing_notice_days = models.PositiveSmallIntegerField(_("notice of a decision hearing (days)"), default=3)
    coordination_notice_days = models.PositiveSmallIntegerField(_("notice of a coordination meeting (days)"),
                                                                default=3)
    review_notice_days = models.PositiveSmallIntegerField(_("notice of a public-affairs review (days)"), default=3)
    joint_notice_days = models.PositiveSmallIntegerField(_("notice of a joint meeting (days)"), default=3)
    fee_negotiation_notice_days = models.PositiveSmallIntegerField(_("notice of a fee negotiation meeting (days)"),
                                                                   default=3)
    committee_publish_days = models.PositiveSmallIntegerField(
        _("committee decisions published within (days)"), default=3, help_text=_("RULES C6: 3 days."))
    committee_request_days = models.PositiveSmallIntegerField(
        _("committee meeting called within (days) of a third of members asking"), default=7,
        help_text=_("RULES C6: 7 days."))
    petition_assembly_days = models.PositiveSmallIntegerField(
        _("extraordinary assembly called within (days) of a 20% petition"), default=15,
        help_text=_("RULES V13 leaves the period to local rules."))

    class Meta:
        verbose_name = _("meeting policy")
        verbose_name_plural = _("meeting policies")

    def __str__(self):
        return str(self.region)

    def notice_days(self, kind: str, *, extraordinary: bool = False) -> int:
        if kind == Kind.ASSEMBLY and extraordinary:
            return self.extraordinary_assembly_notice_days
        return getattr(self, f"{kind}_notice_days")


class Meeting(models.Model):
    """One meeting: its agenda published ahead, invitations, sign-in sheet, minutes, decisions
    and attachments. States in ``rules.TRANSITIONS``."""

    compound = models.ForeignKey(Compound, null=True, blank=True, on_delete=models.PROTECT, related_name="meetings",
                                 verbose_name=_("compound"))
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="meetings",
                                  limit_choices_to={"level": Region.Level.COMMUNITY}, verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    extraordinary = models.BooleanField(_("extraordinary"), default=False)
    title = models.CharField(_("title"), max_length=120)
    place = models.CharField(_("place"), max_length=120)
    scheduled_at = models.DateTimeField(_("date and time"))
    convener = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="convened_meetings",
                                 verbose_name=_("convened by"))
    status = models.CharField(_("status"), max_length=18, choices=Status.choices, default=Status.DRAFT)
    notice_days = models.PositiveSmallIntegerField(null=True, blank=True,
                                                   help_text="The notice period applied when announced.")
    announced_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    minutes_due = models.DateTimeField(null=True, blank=True, db_index=True,
                                       help_text="Committee decisions are published by then (C6).")
    minutes_published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    request = models.ForeignKey("CommitteeMeetingRequest", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="meetings", help_text="The members' request it answers (C6).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("meeting")
        ordering = ["-scheduled_at", "-id"]
        indexes = [
            models.Index(fields=["compound", "status", "scheduled_at"]),
            models.Index(fields=["community", "status", "scheduled_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(compound__isnull=False) | ~Q(kind__in=sorted(COMPOUND_ONLY)),
                                   name="meeting_owners_bodies_in_a_compound",
                                   violation_error_message=_("Owners' committee meetings and assemblies belong "
                                                             "to a compound.")),
            models.CheckConstraint(condition=Q(extraordinary=False) | Q(kind=Kind.ASSEMBLY),
                                   name="meeting_only_assemblies_extraordinary"),
            models.CheckConstraint(condition=~Q(status=Status.CANCELLED) | ~Q(cancel_reason=""),
                                   name="meeting_cancel_has_reason"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_committee(self) -> bool:
        return self.kind == Kind.COMMITTEE

    @property
    def where(self):
        return self.compound or self.community

    @property
    def minutes_overdue(self) -> bool:
        return (self.status == Status.HELD and self.minutes_due is not None and self.minutes_due < timezone.now())


class AgendaItem(models.Model):
    """One item of the agenda. Fixed once the meeting is announced: nothing is decided that was
    not published in advance (RULES V13, C6)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    order = models.PositiveSmallIntegerField()
    text = models.CharField(_("agenda item"), max_length=300)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "order"], name="agenda_order_once")]

    def __str__(self):
        return self.text


class Invitation(models.Model):
    """An organisation or a person invited. The residents' committee of the community is
    invited automatically and cannot be removed (RULES V13, C6)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("organisation"))
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    automatic = models.BooleanField(default=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-automatic", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(organization__isnull=False, person__isnull=True)
                                   | Q(organization__isnull=True, person__isnull=False),
                                   name="invitation_org_or_person"),
            models.UniqueConstraint(fields=["meeting", "organization"], condition=Q(organization__isnull=False),
                                    name="invitation_org_once"),
            models.UniqueConstraint(fields=["meeting", "person"], condition=Q(person__isnull=False),
                                    name="invitation_person_once"),
        ]

    def __str__(self):
        return str(self.organization or self.person)


class Attendance(models.Model):
    """One line of the sign-in sheet. A committee meeting admits no proxies (C6):
    ``on_behalf_of`` stays empty there."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    name = models.CharField(_("name (if not in the registry)"), max_length=50, blank=True)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("representing"))
    on_behalf_of = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("attending on behalf of"))
    signed_in_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["signed_in_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], condition=Q(person__isnull=False),
                                    name="attendance_person_once"),
            models.CheckConstraint(condition=Q(person__isnull=False) | ~Q(name=""), name="attendance_named"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.person.name if self.person_id else self.name


class Minutes(models.Model):
    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    text = models.TextField(_("minutes"), max_length=20000)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = _("minutes")

    def __str__(self):
        return f"{self.meeting}"


class Decision(models.Model):
    """What the meeting decided on one published agenda item (V13). For a committee meeting the
    members' votes and whether it passed by C6: more than half of all members on the meeting
    day (``members``), however many were present."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="decisions",
                                    verbose_name=_("agenda item"))
    text = models.TextField(_("decision"), max_length=2000)
    votes_for = models.PositiveSmallIntegerField(_("for"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("against"), null=True, blank=True)
    votes_abstain = models.PositiveSmallIntegerField(_("abstain"), null=True, blank=True)
    members = models.PositiveSmallIntegerField(null=True, blank=True, help_text="All current members (C6).")
    present = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Members present.")
    passed = models.BooleanField(null=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agenda_item__order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(votes_for__isnull=True, votes_against__isnull=True, votes_abstain__isnull=True)
                | Q(votes_for__isnull=False, votes_against__isnull=False, votes_abstain__isnull=False),
                name="decision_votes_all_or_none"),
        ]

    def __str__(self):
        return self.text[:60]


def attachment_path(instance, filename):
    # The stored name is ours, never the uploader's: no path tricks, no personal names on disk.
    return f"meetings/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{instance.extension}"


class MeetingAttachment(models.Model):
    EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf"}

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    compound = models.ForeignKey(Compound, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    public = models.BooleanField(_("shown with the published minutes"), default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return self.original_name

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class CommitteeMeetingRequest(models.Model):
    """Members asking the owners' committee to meet on a matter. Once a third of the members
    have asked, a meeting must be called within ``committee_request_days`` (C6): ``due_at``."""

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    matter = models.CharField(_("matter to discuss"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    threshold_met_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    met_at = models.DateTimeField(null=True, blank=True, help_text="When a meeting answering it was announced.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.matter[:60]

    @property
    def overdue(self) -> bool:
        return self.met_at is None and self.due_at is not None and self.due_at < timezone.now()


class CommitteeMeetingRequestSigner(models.Model):
    request = models.ForeignKey(CommitteeMeetingRequest, on_delete=models.CASCADE, related_name="signers")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "person"], name="meeting_request_sign_once")]

    def __str__(self):
        return f"{self.request_id} {self.person_id}"


class MeetingEvent(models.Model):
    """Every change of a meeting (or of a members' request), with its actor, written in the same
    transaction as the change (DESIGN habit 3)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        AGENDA_ADDED = "agenda_added", _("agenda item added")
        AGENDA_REMOVED = "agenda_removed", _("agenda item removed")
        INVITED = "invited", _("invited")
        UNINVITED = "uninvited", _("invitation withdrawn")
        ANNOUNCED = "announced", _("announced")
        CANCELLED = "cancelled", _("cancelled")
        HELD = "held", _("held")
        SIGNED_IN = "signed_in", _("signed in")
        SIGN_IN_STRUCK = "sign_in_struck", _("struck from the sign-in sheet")
        MINUTES_WRITTEN = "minutes_written", _("minutes written")
        MINUTES_EDITED = "minutes_edited", _("minutes edited")
        DECISION = "decision", _("decision recorded")
        DECISION_REMOVED = "decision_removed", _("decision removed")
        ATTACHMENT = "attachment", _("file added")
        MINUTES_PUBLISHED = "minutes_published", _("minutes published")
        REQUEST_CREATED = "request_created", _("a member asked for a committee meeting")
        REQUEST_SIGNED = "request_signed", _("another member asked")
        REQUEST_THRESHOLD = "request_threshold", _("a third of members asked (C6)")
        REQUEST_MET = "request_met", _("committee meeting called")

    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    request = models.ForeignKey(CommitteeMeetingRequest, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="events")
    compound = models.ForeignKey(Compound, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    old_status = models.CharField(max_length=18, choices=Status.choices, blank=True)
    new_status = models.CharField(max_length=18, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["meeting", "at"])]
        constraints = [models.CheckConstraint(condition=Q(meeting__isnull=False) | Q(request__isnull=False),
                                              name="meeting_event_has_subject")]

    def __str__(self):
        return f"{self.meeting_id or self.request_id} {self.kind}"


class Motion(models.Model):
    """A matter moving through the three steps (三议, seed 003): party pre-discussion →
    tripartite agreement → residents' resolution. It comes from a case, from the owners'
    committee or from an owners' petition; a petition of ≥ 20% of owners forces an
    extraordinary assembly (V13). A matter of Civil Code art. 278 (``matter``) ends in a poll."""

    class Origin(models.TextChoices):
        TICKET = "ticket", _("a resident's case")
        COMMITTEE = "committee", _("the owners' committee")
        PETITION = "petition", _("an owners' petition")

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="motions",
                                 verbose_name=_("compound"))
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000)
    origin = models.CharField(_("raised by"), max_length=10, choices=Origin.choices)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="motions", verbose_name=_("case"))
    matter = models.CharField(_("matter for the owners' joint decision (Civil Code art. 278)"), max_length=24,
                              choices=Matter.choices, blank=True)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.PARTY)
    assembly_required = models.BooleanField(_("extraordinary assembly required"), default=False)
    assembly_due = models.DateTimeField(_("assembly to be called by"), null=True, blank=True, db_index=True)
    poll = models.ForeignKey(Poll, null=True, blank=True, on_delete=models.PROTECT, related_name="motions")
    passed = models.BooleanField(null=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("motion")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["compound", "stage"])]
        constraints = [
            models.CheckConstraint(condition=Q(origin="ticket", ticket__isnull=False)
                                   | (~Q(origin="ticket") & Q(ticket__isnull=True)),
                                   name="motion_ticket_iff_from_ticket"),
            models.CheckConstraint(condition=Q(assembly_required=False) | Q(origin="petition"),
                                   name="motion_assembly_only_by_petition"),
            models.UniqueConstraint(fields=["poll"], condition=Q(poll__isnull=False), name="motion_poll_once"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.stage not in (Stage.DECIDED, Stage.REJECTED, Stage.WITHDRAWN)

    @property
    def assembly_overdue(self) -> bool:
        return (self.assembly_required and self.poll_id is None and self.assembly_due is not None
                and self.assembly_due < timezone.now())


class MotionStep(models.Model):
    """One step taken: who took part, what was agreed, and the outcome that opens (or not) the
    gate to the next. ``advisory`` steps were recorded after an owners' petition had already
    forced the assembly: kept on the record, they move nothing (V13)."""

    class Outcome(models.TextChoices):
        AGREED = "agreed", _("agreed")
        NOT_AGREED = "not_agreed", _("not agreed")

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="steps")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(_("step"), max_length=10, choices=Stage.choices)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="motion_steps",
                                verbose_name=_("meeting"))
    poll = models.ForeignKey(Poll, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organizations = models.ManyToManyField(Organization, blank=True, related_name="+",
                                           verbose_name=_("organisations taking part"))
    people = models.ManyToManyField(Person, blank=True, related_name="+", verbose_name=_("people taking part"))
    agreed = models.TextField(_("what was agreed"), max_length=4000)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    sent_back = models.BooleanField(_("sent back to the step before"), default=False)
    advisory = models.BooleanField(default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(sent_back=False) | Q(outcome="not_agreed"),
                                   name="motion_step_sent_back_not_agreed"),
            models.CheckConstraint(condition=Q(stage__in=["party", "tripartite", "residents"]),
                                   name="motion_step_is_a_step"),
        ]

    def __str__(self):
        return f"{self.motion_id} {self.stage} {self.outcome}"


class PetitionSignature(models.Model):
    """An owner's signature on a petition motion, for one unit they own. Counted by heads as
    V7 counts them (one head per distinct set of owners; the developer's units one head)."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="signatures")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["motion", "unit", "person"], name="petition_sign_once")]

    def __str__(self):
        return f"{self.motion_id} {self.person_id}@{self.unit_id}"


class MotionEvent(models.Model):
    """Every change of a motion, with its actor, in the same transaction (DESIGN habit 3)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("raised")
        STEP = "step", _("step recorded")
        STEP_ADVISORY = "step_advisory", _("step recorded (advisory, after the petition)")
        SIGNED = "signed", _("an owner signed")
        # xgettext:no-python-format
        ASSEMBLY_REQUIRED = "assembly_required", _("20% of owners asked: assembly required")
        POLL_OPENED = "poll_opened", _("owners' poll created")
        DECIDED = "decided", _("decided by the owners' poll")
        WITHDRAWN = "withdrawn", _("withdrawn")

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="events")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    old_stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    new_stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["motion", "at"])]

    def __str__(self):
        return f"{self.motion_id} {self.kind}"
