"""Every write on cases (DESIGN: writes in services). Split by subject; import from here."""

from .flow import (  # noqa: F401
    SYSTEM,
    handlers_of,
    me_too_add,
    ticket_accept,
    ticket_close_unrated,
    ticket_comment,
    ticket_create,
    ticket_escalate,
    ticket_feedback,
    ticket_merge,
    ticket_overdue,
    ticket_reject,
    ticket_resolve,
    ticket_start,
)
from .others import (  # noqa: F401
    departments_for,
    mediation_end,
    mediation_open,
    mediation_session_add,
    summons_done,
    summons_issue,
    summons_report_in,
)
from .routing import categories_for, committee_of, company_of, policy_for, route_for  # noqa: F401
from .tick import tick  # noqa: F401
from .uploads import check_uploads  # noqa: F401
