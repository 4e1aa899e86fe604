"""What the voting app tells others without knowing them: ``poll_published`` is sent when the
result of a poll is published (``sender=Poll``, ``poll=<Poll>``), inside the publishing
transaction, so a receiver's own change commits with the result or not at all. The meetings app
listens to settle the motion that opened the poll; voting never imports meetings."""

from django.dispatch import Signal

poll_published = Signal()
