"""Every write on meetings and motions (DESIGN: writes in services). Split by subject; import
from here."""

from .common import (  # noqa: F401
    committee_of,
    company_of,
    policy_for,
    related_organizations,
    residents_committee_of,
    three_parties,
    voting_members,
)
from .meetings import (  # noqa: F401
    agenda_item_add,
    agenda_item_remove,
    attachment_add,
    attendance_remove,
    attendance_sign_in,
    committee_quorum,
    decision_record,
    decision_remove,
    invitation_add,
    invitation_remove,
    meeting_announce,
    meeting_cancel,
    meeting_create,
    meeting_hold,
    meeting_people,
    meeting_request_create,
    meeting_request_sign,
    minutes_publish,
    minutes_save,
)
from .motions import (  # noqa: F401
    missing_parties,
    motion_create,
    motion_open_poll,
    motion_settle_from_poll,
    motion_step_record,
    motion_withdraw,
    party_agreed,
    petition_count,
    petition_sign,
    poll_notice_days,
    residents_gate_open,
    tripartite_agreed,
)
