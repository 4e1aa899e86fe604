"""Raising a case: the resident's phone-width form (logged in, or with a verified phone), staff
entering a call, a visit or a patrol report, the phone check, and likely duplicates."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from sanfang.accounts.models import Role
from sanfang.accounts.scope import seats_of, visible_compounds
from sanfang.places.models import Compound

from .. import permissions as perms
from .. import selectors
from .. import services as svc
from ..forms import CaseForm, CodeForm, PhoneForm, StaffCaseForm
from ..models import Category, PhoneCode, Ticket
from ..notify import sender

SESSION_PHONE = "verified_phone"
OFFERED = "me_too_offered"  # references of the likely duplicates shown to this visitor
REPORTING_IN = "reporting_in"  # the compound a visitor without an account is reporting in
CODE_MINUTES, CODE_ATTEMPTS, CODES_PER_HOUR = 10, 5, 5


def verified_phone(request) -> str:
    return request.session.get(SESSION_PHONE, "")


def form_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on the form, beside the field it names when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _resident_compound(request) -> Compound | None:
    """The compound a resident reports in: their seat's, else the one the notice board's QR
    code named (``?compound=K1``), for residents without an account."""
    own = [s.compound for s in seats_of(request.user) if s.role == Role.RESIDENT and s.compound_id]
    code = request.GET.get("compound") or request.POST.get("compound_code", "")
    if own and (not code or code == own[0].code):
        return own[0]
    if code:
        return Compound.objects.select_related("community").filter(code=code).first()
    return None


def resident_new(request):
    """The resident's form. Without an account, the phone is verified first."""
    if not request.user.is_authenticated and not verified_phone(request):
        return redirect(f"{reverse('tickets:verify')}?next={request.get_full_path()}")
    compound = _resident_compound(request)
    if compound is None:
        if request.user.is_authenticated and perms.can_enter_for_resident(request.user):
            return redirect("tickets:enter")
        raise Http404
    request.session[REPORTING_IN] = compound.code
    categories = svc.categories_for(compound)
    form = CaseForm(request.POST or None, request.FILES or None, categories=categories)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            t = svc.ticket_create(
                compound=compound, category=data["category"], title=data["title"], description=data["description"],
                location=data["location"], files=data["photos"], channel=Ticket.Channel.APP,
                actor=request.user, raised_by=request.user if request.user.is_authenticated else None,
                reporter_phone=verified_phone(request) if not request.user.is_authenticated else request.user.phone)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Thank you. Your case %(ref)s has been received.") % {"ref": t.reference})
            return redirect("tickets:detail", reference=t.reference)
    return render(request, "tickets/new.html", {"form": form, "compound": compound})


@login_required
def staff_enter(request):
    """Staff enter a call, a visit, a patrol report or a hotline work order for a resident."""
    if not perms.can_enter_for_resident(request.user):
        raise Http404
    compounds = visible_compounds(request.user).select_related("community").order_by("code")
    categories = Category.objects.filter(active=True).order_by("order", "code")
    form = StaffCaseForm(request.POST or None, request.FILES or None, compounds=compounds, categories=categories)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            t = svc.ticket_create(
                compound=data["compound"], category=data["category"], title=data["title"],
                description=data["description"], location=data["location"], files=data["photos"],
                channel=data["channel"], reporter_name=data["reporter_name"], reporter_phone=data["reporter_phone"],
                external_id=data["external_id"], actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Case %(ref)s entered.") % {"ref": t.reference})
            return redirect("tickets:detail", reference=t.reference)
    return render(request, "tickets/enter.html", {"form": form})


def duplicates(request):
    """htmx: open cases of the same compound and category, offered for "me too"."""
    code, category_id = request.GET.get("compound", ""), request.GET.get("category", "")
    compound = Compound.objects.filter(code=code).first()
    category = Category.objects.filter(pk=category_id).first() if category_id.isdigit() else None
    found = []
    if request.user.is_authenticated:
        allowed = compound is not None and visible_compounds(request.user).filter(pk=compound.pk).exists()
    else:  # a verified phone: the compound the visitor is reporting in, nothing else
        allowed = bool(verified_phone(request)) and code == request.session.get(REPORTING_IN)
    if compound and category and allowed and not perms.is_staff_for(request.user, None):
        found = list(selectors.likely_duplicates(compound=compound, category=category))
        request.session[OFFERED] = [t.reference for t in found]
    return render(request, "tickets/_duplicates.html", {"duplicates": found})


def _code_hash(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("tickets:mine")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse("tickets:mine")


def verify_phone(request):
    """Residents without an account prove their phone with a six-digit code (sent by the
    pluggable sender); only the code's keyed hash is stored, with expiry and few attempts."""
    step, phone = "phone", request.POST.get("phone_verified", "")
    phone_form, code_form = PhoneForm(), CodeForm()
    now = timezone.now()
    if request.method == "POST" and "code" in request.POST:
        step, code_form = "code", CodeForm(request.POST)
        with transaction.atomic():
            pending = (PhoneCode.objects.select_for_update().filter(phone=phone, used=False, expires_at__gt=now)
                       .order_by("-id").first())
            if pending is None or pending.attempts >= CODE_ATTEMPTS:
                code_form.add_error(None, _("The code has expired or was tried too often; ask for a new one."))
            elif code_form.is_valid():
                pending.attempts += 1
                if hmac.compare_digest(pending.code_hash, _code_hash(phone, code_form.cleaned_data["code"])):
                    pending.used = True
                    pending.save(update_fields=["attempts", "used"])
                    request.session.cycle_key()
                    request.session[SESSION_PHONE] = phone
                    return redirect(_safe_next(request))
                pending.save(update_fields=["attempts"])
                code_form.add_error("code", _("That code is not right."))
    elif request.method == "POST":
        phone_form = PhoneForm(request.POST)
        if phone_form.is_valid():
            phone = phone_form.cleaned_data["phone"]
            recent = PhoneCode.objects.filter(phone=phone, created_at__gt=now - timedelta(hours=1)).count()
            if recent >= CODES_PER_HOUR:
                phone_form.add_error("phone", _("Too many codes for this number; try again in an hour."))
            else:
                code = f"{secrets.randbelow(10**6):06d}"
                PhoneCode.objects.create(phone=phone, code_hash=_code_hash(phone, code),
                                         expires_at=now + timedelta(minutes=CODE_MINUTES))
                transaction.on_commit(lambda: sender().send(
                    phone=phone, text=_("Sanfang code: %(code)s (valid %(min)d minutes)")
                    % {"code": code, "min": CODE_MINUTES}))
                step = "code"
    return render(request, "tickets/verify.html", {"step": step, "phone": phone, "phone_form": phone_form,
                                                   "code_form": code_form, "next": _safe_next(request)})

