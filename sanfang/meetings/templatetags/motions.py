"""``{% load motions %}``: lets another app's page offer "raise as a motion" only to those who
may (the case page does). A template filter, so tickets' Python never imports meetings."""

from django import template

from sanfang.meetings.permissions import can_raise_motion

register = template.Library()


@register.filter
def may_raise_motion(user, compound) -> bool:
    return compound is not None and can_raise_motion(user, compound)
