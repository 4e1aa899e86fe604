"""``sanfang apikey``: issue, list and revoke API keys from the console, for machine clients
that never open the admin (the JSON API's bearer tokens and Open311's api_key are one thing).

The key is printed once, alone on stdout, so a script can capture it; everything meant for the
person at the console goes to stderr. Revoking leaves the same history as revoking in the admin.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from sanfang.accounts.models import ApiToken, User
from sanfang.accounts.scope import seats_of, sees_everything
from sanfang.accounts.services import api_token_issue
from sanfang.core import history

CLIENT_PREFIX = "open311-"
SOURCE = "command:apikey"


class Command(BaseCommand):
    help = (
        "Issue, list and revoke API keys. A key acts as its user. To create Open311 requests the user must "
        "hold a seat that enters cases for residents (district or subdistrict officer, community or grid "
        "worker, owners' committee member): name that user with --user. Without --user a client user "
        "open311-<name> is made (or reused) with no password and no seat; its key can read, and can post "
        "only once a district officer gives that user a seat."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = actions.add_parser("create", help="Issue a key and print it once.")
        create.add_argument("name", help="What the key is for, such as “12345 hotline”.")
        create.add_argument("--user", dest="username",
                            help="The user the key acts as; needed for a key that creates requests.")
        actions.add_parser("list", help="Every key: name, prefix, user, created, revoked.")
        revoke = actions.add_parser("revoke", help="Revoke a key by its prefix (or the full key).")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _note(self, text: str) -> None:
        self.stderr.write(text, style_func=self.style.WARNING)

    # ---- create -------------------------------------------------------------------------

    @transaction.atomic
    def _create(self, *, name, username=None, **options):
        name = (name or "").strip()
        if not name:
            raise CommandError("密钥名称不能为空，例如：sanfang apikey create \"12345 热线\" --user 用户名")
        if len(name) > ApiToken._meta.get_field("name").max_length:
            raise CommandError("密钥名称最长 80 个字符。")
        user = self._named_user(username) if username else self._client_user(name)
        token, key = api_token_issue(user=user, name=name, actor=None)
        self.stdout.write(key)
        self._note(f"已为用户 {user.username} 签发密钥「{name}」（前缀 {token.prefix}）。"
                   f"密钥只显示这一次，请立即妥善保存；吊销：sanfang apikey revoke {token.prefix}")
        if not (sees_everything(user) or seats_of(user)):
            self._note(f"注意：用户 {user.username} 没有任何岗位，此密钥只能查询，不能通过 Open311 提交诉求。"
                       "需由区级管理员为其分配代居民登记诉求的岗位后方可提交。")

    def _named_user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为 {username} 的用户。")
        if not user.is_active:
            raise CommandError(f"用户 {username} 已停用，不能为其签发密钥。")
        return user

    def _client_user(self, name: str) -> User:
        """``open311-<name>``, made once with no usable password: it never logs in."""
        slug = slugify(name, allow_unicode=True)[:140]
        if not slug:
            raise CommandError("无法从密钥名称生成用户名；请换一个名称，或用 --user 指定用户。")
        username = CLIENT_PREFIX + slug
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username)
            user.set_unusable_password()
            history.save_tracked(user, actor=None, source=SOURCE)
            self._note(f"已创建客户端用户 {username}（不能登录，没有岗位）。")
        elif user.has_usable_password():
            raise CommandError(f"用户 {username} 已存在且可以登录，不是客户端用户；请用 --user 明确指定。")
        elif not user.is_active:
            raise CommandError(f"客户端用户 {username} 已停用，不能为其签发密钥。")
        return user

    # ---- list and revoke ----------------------------------------------------------------

    def _list(self, **options):
        tokens = ApiToken.objects.select_related("user").order_by("created", "pk")
        if not tokens:
            self._note("还没有任何密钥。")
            return
        self.stdout.write("\t".join(("名称", "前缀", "用户", "创建时间", "状态")))
        for t in tokens:
            created = timezone.localtime(t.created).strftime("%Y-%m-%d %H:%M")
            self.stdout.write("\t".join((t.name, t.prefix, t.user.username, created, "已吊销" if t.revoked else "有效")))

    @transaction.atomic
    def _revoke(self, *, prefix, **options):
        value = (prefix or "").strip()
        full_key = len(value) > ApiToken._meta.get_field("prefix").max_length
        tokens = list(ApiToken.objects.select_for_update().filter(
            **({"key_hash": ApiToken.hash(value)} if full_key else {"prefix": value})))
        if not tokens:
            raise CommandError(f"没有前缀为 {value} 的密钥（用 sanfang apikey list 查看）。")
        live = [t for t in tokens if not t.revoked]
        if not live:
            self._note(f"密钥 {value} 早已吊销，无需再次吊销。")
            return
        if len(live) > 1:
            raise CommandError(f"有 {len(live)} 个有效密钥的前缀都是 {value}；请给出完整密钥。")
        token = live[0]
        token.revoked = True
        history.save_tracked(token, actor=None, source=SOURCE)
        self.stdout.write(f"已吊销密钥「{token.name}」（前缀 {token.prefix}，用户 {token.user.username}）。")
