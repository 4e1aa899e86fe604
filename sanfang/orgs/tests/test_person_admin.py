import pytest
from django.urls import reverse

from sanfang.orgs import identity
from sanfang.orgs.models import Person

pytestmark = pytest.mark.django_db
ID = identity.make_resident_id("33010519800101123")


def test_admin_adds_a_person_by_id_number_and_keeps_only_the_hash(admin_client):
    response = admin_client.post(reverse("admin:orgs_person_add"), {"name": "新人", "id_number": ID, "phone": ""})
    assert response.status_code == 302
    person = Person.objects.get(name="新人")
    assert person.id_hash == identity.id_hash(ID) and person.id_last4 == ID[-4:]


@pytest.mark.parametrize("id_number", ["", "123", ID])
def test_admin_refuses_missing_bad_or_duplicate_id_numbers(admin_client, id_number):
    if id_number == ID:
        admin_client.post(reverse("admin:orgs_person_add"), {"name": "先来", "id_number": ID})
    before = Person.objects.count()
    response = admin_client.post(reverse("admin:orgs_person_add"), {"name": "后到", "id_number": id_number})
    assert response.status_code == 200 and response.context["adminform"].form.errors["id_number"]
    assert Person.objects.count() == before
