from django import template

from sanfang.orgs.identity import mask_phone

register = template.Library()


@register.simple_tag
def phone(person, show: bool):
    """A phone number in full for roles that need it, masked for everyone else."""
    if not person.phone:
        return "—"
    return person.phone if show else mask_phone(person.phone)
