"""The owners' pages at phone width: owners vote on phones, committee members collect paper
ballots door to door with one. Every page of a poll's life, in Chinese and in English (whose
labels run longer), without sideways scrolling."""

import pytest

from .pages import goto, horizontal_overflow, login, logout

pytestmark = pytest.mark.browser


@pytest.fixture
def polls(browser_world, settings, tmp_path):
    """The voting demo on K1: a published poll, an open one, an announced one."""
    from sanfang.accounts.models import Role
    from sanfang.orgs.models import Ownership
    from sanfang.testing import person, user_with_seat
    from sanfang.voting.demo import seed_polls
    from sanfang.voting.models import Poll

    settings.MEDIA_ROOT = tmp_path / "media"
    w = browser_world
    k1 = w.compounds["k1"]
    a = person("李四")
    Ownership.objects.create(unit=w.units["102"], person=a, compound=k1)
    Ownership.objects.create(unit=w.units["201"], person=person("开发商"), compound=k1, developer_held=True)
    owner = user_with_seat("owner-a", Role.RESIDENT, k1)
    owner.person = a
    owner.save()
    seed_polls(compound=k1, organiser=w.users["chair"], resident=owner)
    decided, ramp, fee = Poll.objects.filter(compound=k1).order_by("pk")
    return {"decided": decided.pk, "open": ramp.pk, "announced": fee.pk}


def _too_wide(page, paths) -> dict:
    out = {}
    for path in paths:
        assert goto(page, path).status == 200, path
        overflow = horizontal_overflow(page)
        if overflow > 1:
            out[path] = f"{overflow}px too wide"
    return out


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_poll_pages_fit_a_phone(phone_page, live_server, polls, language):
    phone_page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    d, o, a = polls["decided"], polls["open"], polls["announced"]
    login(phone_page, username="owner-a")
    too_wide = _too_wide(phone_page, ["/polls/", f"/polls/{o}/", f"/polls/{o}/vote/", f"/polls/{o}/progress/",
                                      f"/polls/{d}/", f"/polls/{d}/result/", f"/polls/{a}/", "/meetings/",
                                      "/meetings/motions/"])
    logout(phone_page)
    login(phone_page, username="chair")
    too_wide |= _too_wide(phone_page, [f"/polls/{o}/paper/", "/polls/proxies/?compound=K1", "/polls/new/?compound=K1",
                                       f"/polls/{d}/", "/surveys/", "/surveys/new/", "/meetings/new/"])
    assert not too_wide, f"pages wider than a 390px phone: {too_wide}"
