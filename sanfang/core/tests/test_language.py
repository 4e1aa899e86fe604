import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_chinese_by_default_even_for_an_english_browser(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_switch_to_english_sticks(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert client.get(reverse("accounts:login"))["Content-Language"] == "en"
