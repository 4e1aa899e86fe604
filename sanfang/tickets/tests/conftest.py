import pytest


@pytest.fixture(autouse=True)
def _memory_sender(settings):
    from sanfang.tickets import notify

    settings.TICKET_SENDER = "sanfang.tickets.notify.MemorySender"
    notify.sender.cache_clear()
    notify.MemorySender.outbox = []
    yield
    notify.sender.cache_clear()


@pytest.fixture
def cats(world):
    from sanfang.tickets.testing import configure

    return configure(world)
