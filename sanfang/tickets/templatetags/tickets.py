from django import template

from sanfang.tickets.rules import Rating

register = template.Library()


@register.filter
def rating_label(code: str) -> str:
    """A rating code of an event's data in the reader's language."""
    try:
        return Rating(code).label
    except ValueError:
        return code
