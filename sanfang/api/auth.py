"""API authentication: bearer tokens for clients, the session for the browser."""

from django.db import connections, router
from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from sanfang.accounts.models import ApiToken, RowReader, User, prepared_rows, statement_name

# The token and its user in one join written once (the ORM compiled it again on every request,
# which cost more than running it: bench inbox). Read on every request, never cached: a revoked
# token or a deactivated user is refused from the next request on.
_ROWS = RowReader(("t", ApiToken), ("u", User))
_sql: dict[str, str] = {}
_STATEMENT = statement_name("token")
LAST_USED_EVERY = 60  # seconds: at most one write per token per minute, reads stay reads


def _token_sql(connection) -> str:
    sql = _sql.get(connection.alias)
    if sql is None:
        qn = connection.ops.quote_name
        t, u = qn("t"), qn("u")
        sql = _sql[connection.alias] = (
            f"SELECT {_ROWS.columns(connection)} FROM {qn(ApiToken._meta.db_table)} {t} "
            f"INNER JOIN {qn(User._meta.db_table)} {u} ON {u}.{qn('id')} = {t}.{qn('user_id')} "
            f"WHERE {t}.{qn('key_hash')} = %s AND {t}.{qn('revoked')} = %s AND {u}.{qn('is_active')} = %s"
        )
    return sql


def user_for_token(key: str):
    """The active user holding the live token ``key``, or None."""
    connection = connections[router.db_for_read(ApiToken)]
    rows = prepared_rows(connection, _STATEMENT, _token_sql(connection), [ApiToken.hash(key), False, True])
    if not rows:
        return None
    token, user = _ROWS.instances(rows[0], connection)
    now = timezone.now()
    if token.last_used is None or (now - token.last_used).total_seconds() > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return user


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return user


AUTH = [TokenAuth(), django_auth]
