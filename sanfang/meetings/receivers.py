"""What the meetings app does when another app tells it something (connected in ``apps.py``)."""


def settle_motion(sender, *, poll, **kwargs):
    """A poll's result was published: the motion that opened it is decided (same transaction)."""
    from .services.motions import motion_settle_from_poll

    motion_settle_from_poll(poll=poll)
