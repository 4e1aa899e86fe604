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


def _po_entries():
    """(msgid, msgstr, fuzzy, context) of the Chinese catalogue, plural forms as their first form."""
    import re
    from pathlib import Path

    po = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    entries = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        if "#~" in block:
            continue
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if msgid and msgstr:
            join = lambda m: "".join(re.findall(r'"(.*)"', m.group(1)))  # noqa: E731
            context = re.search(r'^msgctxt "(.*)"', block, re.M)
            if join(msgid):
                entries.append((join(msgid), join(msgstr), "#, fuzzy" in block, context.group(1) if context else None))
    return entries


def test_every_interface_string_has_a_chinese_translation():
    untranslated = [msgid for msgid, msgstr, fuzzy, _c in _po_entries() if not msgstr or fuzzy]
    assert not untranslated, f"translate these in sanfang/locale/zh_Hans (make messages): {untranslated}"


def test_compiled_catalogue_matches_the_source():
    import gettext
    from pathlib import Path

    mo = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    def compiled(msgid, context):
        return catalogue.pgettext(context, msgid) if context else catalogue.gettext(msgid)

    stale = [msgid for msgid, msgstr, _f, context in _po_entries()
             if "\\" not in msgid and compiled(msgid, context) != msgstr.replace('\\"', '"')]
    assert not stale, f"django.mo is stale: run msgfmt (make messages) for {stale[:5]}"


@pytest.mark.django_db
def test_login_page_is_chinese(client):
    assert "登录" in client.get(reverse("accounts:login")).content.decode()


@pytest.mark.django_db
def test_not_found_page_is_chinese_and_explains_scope(world, login):
    response = login(world.users["resident"]).get("/places/regions/330199/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "未找到" in body or "不存在" in body


def test_translated_text_in_inline_javascript_is_escaped_for_it():
    """A confirmation's text goes into ``confirm('…')`` inside an HTML attribute: an apostrophe
    or a quote in any language would end the string and the form would submit without asking.
    Every such text passes through ``escapejs``."""
    import re
    from pathlib import Path

    import sanfang

    raw = re.compile(r"confirm\('\{% (?:translate|blocktranslate)")
    found = [f"{p}:{n}" for p in Path(sanfang.__file__).parent.rglob("*.html")
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if raw.search(line)]
    assert found == []
