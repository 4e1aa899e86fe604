"""Every change to registry rows keeps who changed what and when."""

import pytest
from django.urls import reverse

from sanfang.core import history
from sanfang.core.models import ChangeEvent
from sanfang.places.models import Compound

pytestmark = pytest.mark.django_db


def test_save_tracked_records_create_and_diff(world):
    actor = world.users["district"]
    compound = Compound(code="K9", name="新建小区", community=world.regions["c1"])
    history.save_tracked(compound, actor=actor, source="test")
    compound.name = "改名小区"
    compound.households = 120
    ev = history.save_tracked(compound, actor=actor, source="test")
    assert ev.changes == {"name": ["新建小区", "改名小区"], "households": [None, 120]}
    actions = list(history.history_of(compound).values_list("action", "actor__username"))
    assert actions == [("update", "district"), ("create", "district")]


def test_unchanged_save_records_nothing(world):
    compound = world.compounds["k1"]
    assert history.save_tracked(compound, actor=world.users["district"], source="test") is None
    assert not ChangeEvent.objects.exists()


def test_admin_edit_is_recorded(client, world):
    district = world.users["district"]
    district.is_staff = district.is_superuser = True
    district.save()
    client.force_login(district)
    k1 = world.compounds["k1"]
    url = reverse("admin:places_compound_change", args=[k1.pk])
    form = client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(name="和睦新村", community=k1.community_id, grid="")
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    ev = ChangeEvent.objects.get(model="places.compound", object_id=k1.pk)
    assert ev.actor == district and ev.source == "admin" and ev.changes["name"] == ["和睦小区", "和睦新村"]


def test_history_is_read_only_in_admin(client, world):
    district = world.users["district"]
    district.is_staff = district.is_superuser = True
    district.save()
    client.force_login(district)
    assert client.get(reverse("admin:core_changeevent_add")).status_code == 403
