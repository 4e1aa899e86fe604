"""Thin HTML views of owners' decisions, one module per area: the polls and their organiser's
actions (``polls``), an owner's ballot (``ballots``), paper ballots and the door-to-door round
(``paper``), proxies (``proxies``), the live progress and the published result (``results``)."""
