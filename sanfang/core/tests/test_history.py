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


def test_admin_edit_is_recorded(admin_client, world):
    client, district = admin_client, world.users["district"]
    k1 = world.compounds["k1"]
    url = reverse("admin:places_compound_change", args=[k1.pk])
    form = client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(name="和睦新村", community=k1.community_id, grid="")
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    ev = ChangeEvent.objects.get(model="places.compound", object_id=k1.pk)
    assert ev.actor == district and ev.source == "admin" and ev.changes["name"] == ["和睦小区", "和睦新村"]


def test_history_is_read_only_in_admin(admin_client):
    assert admin_client.get(reverse("admin:core_changeevent_add")).status_code == 403


def test_runs_of_ids():
    assert history.runs(range(5, 10)) == [(5, 9)]
    assert history.runs(range(5, 5)) == []
    assert history.runs([7, 3, 4, 9, 8, 4]) == [(3, 4), (7, 9)]
    assert history.runs(range(1, 4), [4, 5], range(10, 12), [6]) == [(1, 6), (10, 11)]


def test_bulk_creation_is_one_range_event_that_history_of_includes(world):
    actor = world.users["district"]
    ids = sorted(Compound.objects.values_list("pk", flat=True))
    first, last = ids[0], ids[-1]
    events = history.record_created_range(actor=actor, model=Compound, ids=range(first, last + 1), source="import:1")
    assert len(events) == 1
    ev = ChangeEvent.objects.get()
    assert (ev.model, ev.object_id, ev.object_id_end, ev.action, ev.changes, ev.actor, ev.source) == \
        ("places.compound", first, last, "create", {"count": last - first + 1}, actor, "import:1")
    assert ev.at is not None and str(ev) == f"places.compound#{first}–{last} create"
    # Every compound in the range has it in its history, followed by its own later events.
    compound = Compound.objects.get(pk=ids[len(ids) // 2])
    compound.name = "改名小区"
    update = history.save_tracked(compound, actor=actor, source="test")
    for pk in ids:
        expected = [update, ev] if pk == compound.pk else [ev]
        assert list(history.history_of(Compound.objects.get(pk=pk))) == expected
    # Neither a row outside the range, nor a row of another model with an id inside it.
    outside = Compound(pk=last + 1, code="K-OUT", name="外", community=world.regions["c1"])
    assert not history.history_of(outside).exists()
    region = world.regions["c1"]
    assert ChangeEvent.objects.filter(model="places.region").count() == 0
    assert not history.history_of(region).exists()


def test_record_created_range_splits_gaps(world):
    events = history.record_created_range(actor=None, model="places.unit", ids=[10, 11, 12, 20], source="seed")
    assert [(e.object_id, e.object_id_end, e.changes) for e in events] == \
        [(10, 12, {"count": 3}), (20, 20, {"count": 1})]
    assert ChangeEvent.objects.count() == 2
