"""API authentication: bearer tokens for clients, the session for the browser."""

from django.db import connections, router
from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from sanfang.accounts import scope
from sanfang.accounts.models import ApiToken, RowReader, User, prepared_rows, statement_name

# The token, its user and the user's seats in one join written once and prepared (the ORM
# compiled the token's query again on every request, then the seats', which cost more than
# running them: bench inbox). Read on every request, never kept: a revoked token, a deactivated
# user or a removed seat counts from the next request on.
_ROWS = RowReader(("t", ApiToken), ("u", User))
_SEATS_START = len(ApiToken._meta.concrete_fields) + len(User._meta.concrete_fields)
_sql: dict[str, str] = {}
_STATEMENT = statement_name("token")
LAST_USED_EVERY = 60  # seconds: at most one write per token per minute, reads stay reads


def _token_sql(connection) -> str:
    sql = _sql.get(connection.alias)
    if sql is None:
        qn = connection.ops.quote_name
        t, u, pk = qn("t"), qn("u"), qn("id")
        sql = _sql[connection.alias] = (
            f"SELECT {_ROWS.columns(connection)}, {scope.seat_columns(connection)} FROM {qn(ApiToken._meta.db_table)} {t} "
            f"INNER JOIN {qn(User._meta.db_table)} {u} ON {u}.{pk} = {t}.{qn('user_id')} "
            f"{scope.seat_join(connection, f'{u}.{pk}')} "
            f"WHERE {t}.{qn('key_hash')} = %s AND {t}.{qn('revoked')} = %s AND {u}.{qn('is_active')} = %s "
            f"ORDER BY {qn('s')}.{pk}"
        )
    return sql


_TOUCH = statement_name("token_touch")


def _touch_sql(connection) -> str:
    qn = connection.ops.quote_name
    pg = connection.vendor == "postgresql"  # a prepared parameter has no type of its own there
    when = "CAST(%s AS timestamp with time zone)" if pg else "%s"
    return (f"UPDATE {qn(ApiToken._meta.db_table)} SET {qn('last_used')} = {when} "
            f"WHERE {qn('id')} = CAST(%s AS BIGINT) RETURNING {qn('id')}")


def user_for_token(key: str):
    """The active user holding the live token ``key`` (with their seats read for this
    request), or None."""
    connection = connections[router.db_for_read(ApiToken)]
    rows = prepared_rows(connection, _STATEMENT, _token_sql(connection),
                         [scope.seat_day(connection), ApiToken.hash(key), False, True])
    if not rows:
        return None
    token, user = _ROWS.instances(rows[0][:_SEATS_START], connection)
    scope.remember_seats(user, rows, connection, start=_SEATS_START)
    now = timezone.now()
    if token.last_used is None or (now - token.last_used).total_seconds() > LAST_USED_EVERY:
        # Prepared too: a voter's token is often used once, so this runs on most ballots, and
        # the ORM's compile of the UPDATE cost a tenth of a ballot (bench ballots).
        writer = connections[router.db_for_write(ApiToken)]
        prepared_rows(writer, _TOUCH, _touch_sql(writer), [writer.ops.adapt_datetimefield_value(now), token.pk])
    return user


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return user


AUTH = [TokenAuth(), django_auth]
