"""``sanfang apikey``: the key printed once and alone, client users without seats, list, revoke
with history, and a revoked key refused where keys are used."""

from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command

from sanfang.accounts.models import ApiToken, User
from sanfang.core.models import ChangeEvent

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("apikey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_for_a_user_prints_only_the_key(world):
    out, err = run("create", "12345 热线", "--user", "district")
    [key] = out.splitlines()
    token = ApiToken.objects.get(key_hash=ApiToken.hash(key))
    assert token.user == world.users["district"] and token.name == "12345 热线" and key.startswith(token.prefix)
    assert "只显示这一次" in err and key not in err
    assert "没有任何岗位" not in err  # the district officer holds a seat


def test_create_without_user_makes_a_client_user_once(world):
    out, err = run("create", "12345 热线")
    user = User.objects.get(username="open311-12345-热线")
    assert not user.has_usable_password() and not user.seats.exists()
    assert ApiToken.objects.get(key_hash=ApiToken.hash(out.strip())).user == user
    assert "没有任何岗位" in err
    run("create", "12345 热线")  # reused, not duplicated
    assert User.objects.filter(username__startswith="open311-").count() == 1
    assert user.api_tokens.count() == 2


def test_list_and_revoke(world, client):
    from sanfang.tickets.testing import configure

    configure(world)
    key = run("create", "hotline", "--user", "district")[0].strip()
    token = ApiToken.objects.get(key_hash=ApiToken.hash(key))
    out, _ = run("list")
    header, row = out.splitlines()
    assert header.split("\t") == ["名称", "前缀", "用户", "创建时间", "状态"]
    assert row.split("\t")[:3] == ["hotline", token.prefix, "district"] and row.endswith("有效")

    form = {"api_key": key, "service_code": "stair-light", "address_id": "K1", "description": "灯不亮"}
    post = lambda: client.post("/open311/v2/requests.json", urlencode(form),  # noqa: E731
                               content_type="application/x-www-form-urlencoded")
    assert post().status_code == 200

    out, _ = run("revoke", token.prefix)
    token.refresh_from_db()
    assert token.revoked and "已吊销" in out
    assert ChangeEvent.objects.filter(model="accounts.apitoken", object_id=token.pk,
                                      changes__revoked=[False, True]).exists()
    assert run("list")[0].splitlines()[1].endswith("已吊销")
    assert "早已吊销" in run("revoke", token.prefix)[1]  # twice is harmless

    r = post()  # the revoked key is refused
    assert r.status_code == 403 and r.json()[0]["code"] == 403
    assert client.get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_revoke_by_full_key_when_prefixes_collide(world):
    keys = [run("create", f"k{i}", "--user", "district")[0].strip() for i in range(2)]
    ApiToken.objects.update(prefix="sf_same")
    with pytest.raises(CommandError, match="完整密钥"):
        run("revoke", "sf_same")
    run("revoke", keys[0])
    assert [t.revoked for t in ApiToken.objects.order_by("pk")] == [True, False]


@pytest.mark.parametrize("args, message", [
    (("create", "x", "--user", "nobody"), "没有用户名为 nobody"),
    (("create", "  "), "不能为空"),
    (("create", "！！！"), "无法从密钥名称生成用户名"),
    (("revoke", "sf_nope"), "没有前缀为 sf_nope"),
])
def test_bad_arguments_get_a_clear_message(world, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiToken.objects.exists()


def test_no_key_for_an_inactive_user_or_a_loginable_namesake(world):
    User.objects.filter(username="district").update(is_active=False)
    with pytest.raises(CommandError, match="已停用"):
        run("create", "x", "--user", "district")
    User.objects.create_user(username="open311-portal", password="sanfang-test-1")
    with pytest.raises(CommandError, match="可以登录"):
        run("create", "portal")
    assert not ApiToken.objects.exists()
