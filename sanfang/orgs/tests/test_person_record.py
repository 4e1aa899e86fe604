"""A person's full record: scoped, phone masked by role, and every view logged."""

import pytest
from django.urls import reverse

from sanfang.core.models import AccessLog
from sanfang.orgs.models import Membership
from sanfang.testing import person

pytestmark = pytest.mark.django_db


def test_record_shows_seats_and_units_and_logs_the_view(world, login):
    chair = world.users["chair"].person
    client = login(world.users["community"])
    response = client.get(reverse("orgs:person", args=[chair.pk]))
    body = response.content.decode()
    assert "和睦小区业委会" in body and chair.phone in body and "101" in body
    log = AccessLog.objects.get()
    assert (log.actor, log.model, log.object_id) == (world.users["community"], "orgs.person", chair.pk)


def test_phone_masked_for_a_resident(world, login):
    chair = world.users["chair"].person
    body = login(world.users["resident"]).get(reverse("orgs:person", args=[chair.pk])).content.decode()
    assert chair.phone not in body and chair.phone[-4:] in body


def test_person_outside_scope_is_404_and_not_logged(world, login):
    stranger = person("赵外人")
    Membership.objects.create(organization=world.orgs["co2"], person=stranger, position="project_manager")
    assert login(world.users["resident"]).get(reverse("orgs:person", args=[stranger.pk])).status_code == 404
    assert not AccessLog.objects.exists()
