"""Statements written once and run with new values, for what every request does.

Building a query cost the ORM more than running it (a user by id: 0.23 ms of 0.25 ms on
SQLite, 0.3 of 0.54 ms on PostgreSQL, measured with 100,000 records), and every page paid it
several times before doing anything of its own. Here the SQL is written (or built by the ORM)
once per database and shape, and what comes back is what the ORM gives: instances made with
``Model.from_db`` and the database's value converters, or ``values()`` dicts.

- ``RowByPk``: one row by primary key, with rows it names if asked (the session with the
  signed-in user and their device).
- ``Prepared``: a ``values()`` query built once per shape and run with each request's ids,
  codes, patterns and moments (the home page's lists and queue, the records list's page).
- ``PreparedGet``: one instance by such a query (the wizard's draft).
- ``PreparedModels``: instances with the rows they ``select_related`` and their annotations
  (the record page's record, rounds, decisions and trail).
- ``RowInsert`` and ``RowUpdate``: the audit row's INSERT and the wizard save's UPDATE.
- ``among_spelt_out``: a list of codes written into the SQL, for a partial index made for
  them (the author's trail).

On PostgreSQL each of these statements is also PREPAREd once per connection and EXECUTEd
after (``execute``): planning it again cost 0.1 to 0.4 ms a statement, a page's lists have
five to eight. ``DATABASE_PREPARED_STATEMENTS=false`` turns that off, for a pooler that hands
a session's statements to another (pgbouncer in transaction mode).

Tests (tests/records/test_rows.py and the callers' own) compare each with the ORM.
"""

from __future__ import annotations

import datetime
import itertools
import re

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connections, router, transaction
from django.db.backends.signals import connection_created
from django.db.models import BooleanField, Model
from django.db.models.expressions import Col, RawSQL
from django.db.models.query import get_related_populators


def execute(connection, cursor, sql: str, params) -> None:
    """``cursor.execute(sql, params)``; on PostgreSQL, as a statement prepared once on this
    connection and executed with these values (PostgreSQL then plans it again only where
    its own rules say a value changes the plan). A statement PostgreSQL cannot prepare (a
    parameter of no known type) runs as it is, and so does every statement on a connection
    not kept between requests (``CONN_MAX_AGE`` 0), where preparing would only add a round
    trip."""
    if (
        connection.vendor != "postgresql"
        or not settings.DATABASE_PREPARED_STATEMENTS
        or connection.settings_dict.get("CONN_MAX_AGE") == 0
    ):
        cursor.execute(sql, params)
        return
    statement = _statement(sql)
    if statement is None:
        cursor.execute(sql, params)
        return
    name, prepare, count = statement
    # On the connection itself: ``django.db.connection`` is a proxy, shared by every
    # connection the thread will ever have, and a new connection prepares again.
    connection = connections[connection.alias]
    prepared = connection.__dict__.setdefault("prepared_statements", set())
    if name not in prepared:
        if not _prepare(connection, cursor, sql, prepare.format(types=_types(params))):
            cursor.execute(sql, params)
            return
        prepared.add(name)
    values = ", ".join(["%s"] * count)
    cursor.execute(f"EXECUTE {name} ({values})" if count else f"EXECUTE {name}", params)


_STATEMENTS: dict[str, tuple[str, str, int] | None] = {}  # by SQL: its name, PREPARE, $n
_NUMBERS = itertools.count(1)
_PLACEHOLDER = re.compile(r"%%|%s")


def _statement(sql: str) -> tuple[str, str, int] | None:
    if sql not in _STATEMENTS:
        if len(_STATEMENTS) >= 4096:  # shapes come from code, but never without a bound
            _STATEMENTS.clear()
        count = 0

        def numbered(match) -> str:
            nonlocal count
            if match.group() == "%%":
                return "%"
            count += 1
            return f"${count}"

        name = f"share_{next(_NUMBERS)}"
        body = _PLACEHOLDER.sub(numbered, sql).replace("{", "{{").replace("}", "}}")
        _STATEMENTS[sql] = (name, f"PREPARE {name}{{types}} AS {body}", count)
    return _STATEMENTS[sql]


def _types(params) -> str:
    """The parameters' types where PostgreSQL could not tell them from the SQL alone (a
    constant chosen by CASE); every other one it infers (``unknown``) from its column."""
    if not any(isinstance(value, bool) for value in params):
        return ""
    return f" ({', '.join('boolean' if isinstance(v, bool) else 'unknown' for v in params)})"


def _prepare(connection, cursor, sql: str, prepare: str) -> bool:
    """PREPARE, once per connection; inside a transaction behind a savepoint, so a refusal
    leaves the transaction usable (a PREPARE outlives a rollback: it belongs to the
    session)."""
    try:
        if connection.in_atomic_block:
            with transaction.atomic(using=connection.alias):
                cursor.execute(prepare)
        else:
            cursor.execute(prepare)
    except DatabaseError:
        _STATEMENTS[sql] = None
        return False
    return True


def _forget_prepared(sender, connection, **kwargs) -> None:
    """A new connection (a restart, CONN_MAX_AGE) has no statements prepared on it."""
    connection.__dict__.pop("prepared_statements", None)


connection_created.connect(_forget_prepared)


class RowByPk:
    """One row by its primary key as the ORM's instance; None when there is none.

    ``joined`` names foreign keys whose rows come in the same statement (LEFT JOINs), each
    cached on the instance as ``select_related`` caches it: None where the key is empty or
    names no row. ``scalars`` are more columns, each an SQL expression of no parameters,
    set on the instance under its name as the database gives it."""

    def __init__(
        self,
        model: type[Model],
        *,
        joined: tuple[str, ...] = (),
        scalars: dict[str, str] | None = None,
    ):
        self.model = model
        self.scalars = dict(scalars or {})
        meta = model._meta
        # (relation, or None for the model itself; model; its fields; their attnames)
        self._parts = [_part(None, model)]
        for name in joined:
            relation = meta.get_field(name)
            self._parts.append(_part(relation, relation.related_model))
        self._compiled: dict[str, tuple[str, list]] = {}  # by database alias

    def _for(self, alias: str) -> tuple[str, list]:
        if alias not in self._compiled:
            connection = connections[alias]
            quote = connection.ops.quote_name
            meta = self.model._meta
            columns, joins, converters, index = [], [], [], 0
            for number, (relation, model, fields, _) in enumerate(self._parts):
                table = f"t{number}"
                if relation is not None:
                    target = f"{table}.{quote(relation.target_field.column)}"
                    joins.append(
                        f" LEFT JOIN {quote(model._meta.db_table)} {table} "
                        f"ON {target} = t0.{quote(relation.column)}"
                    )
                for field in fields:
                    columns.append(f"{table}.{quote(field.column)}")
                    column = Col(model._meta.db_table, field)
                    found = connection.ops.get_db_converters(column)
                    found += field.get_db_converters(connection)
                    if found:
                        converters.append((index, column, found))
                    index += 1
            columns += self.scalars.values()
            sql = (
                f"SELECT {', '.join(columns)} FROM {quote(meta.db_table)} t0{''.join(joins)} "  # noqa: S608 - names
                f"WHERE t0.{quote(meta.pk.column)} = %s"
            )
            self._compiled[alias] = (sql, converters)
        return self._compiled[alias]

    def get(self, pk) -> Model | None:
        """The row as a model instance, or None when there is none."""
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        sql, converters = self._for(alias)
        with connection.cursor() as cursor:
            execute(connection, cursor, sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, column, found in converters:
            for convert in found:
                values[index] = convert(values[index], column, connection)
        instance, start = None, 0
        for relation, model, fields, names in self._parts:
            own = values[start : start + len(fields)]
            start += len(fields)
            if relation is None:
                instance = model.from_db(alias, names, own)
                continue
            pk_value = own[names.index(model._meta.pk.attname)]
            related = None if pk_value is None else model.from_db(alias, names, own)
            relation.set_cached_value(instance, related)
        for name, value in zip(self.scalars, values[start:], strict=True):
            setattr(instance, name, value)
        return instance


def _part(relation, model: type[Model]) -> tuple:
    fields = list(model._meta.concrete_fields)
    return relation, model, fields, [field.attname for field in fields]


class Prepared:
    """A ``values()`` queryset whose SQL the ORM builds once per database and shape, then run
    again with new values for its parameters (ids, codes, moments).

    ``build(*shape, **ids)`` makes the queryset. It is called once with a stand-in for each
    id (or list of ids): a negative integer for an int, a marked string for a str, a moment
    in 1801 for a datetime. Where each stand-in lands in the SQL's parameters is noted, and
    each later run puts the real values there (a datetime adapted as the database's
    DateTimeField adapts it). Anything else the query depends on (a date, a size, a choice
    that changes the SQL) must be in ``shape``, part of the cache key with each id's type
    and how many ids each list holds. A stand-in the SQL does not hold verbatim (a value
    the query transformed) is refused. Rows come back as dicts, converted by the ORM's own
    converters, as ``values()`` gives them.

    ``plan_each_time``: on PostgreSQL, never a prepared statement, so the query is planned
    for its values each time. For a query whose best plan depends on the values (how many
    rows an id has): a generic plan, chosen once for all of them, can walk a whole table."""

    _FIRST_STAND_IN = -7_000_000_001  # no real id is negative
    _STAND_IN_MOMENT = datetime.datetime(1801, 1, 1, tzinfo=datetime.UTC)

    def __init__(self, model: type[Model], build=None, *, plan_each_time: bool = False):
        self.model = model
        self.build = build
        self.plan_each_time = plan_each_time
        self._compiled: dict[tuple, tuple | None] = {}

    def _stand_in(self, value, n: int):
        if isinstance(value, bool) or not isinstance(value, int | str | datetime.datetime):
            raise TypeError(f"Prepared: an id is an int, a str or a datetime, not {value!r}")
        if isinstance(value, int):
            return self._FIRST_STAND_IN - n
        if isinstance(value, str):
            return f"\x1fstand-in {n}\x1f"
        return self._STAND_IN_MOMENT + datetime.timedelta(microseconds=n)

    def _stand_ins(self, ids: dict) -> dict:
        stand_ins, n = {}, 0
        for name, value in ids.items():
            if isinstance(value, list | tuple):
                stand_ins[name] = [self._stand_in(item, n + i) for i, item in enumerate(value)]
                n += len(value)
            else:
                stand_ins[name] = self._stand_in(value, n)
                n += 1
        return stand_ins

    def _compile(self, build, alias: str, shape: tuple, ids: dict):
        connection = connections[alias]
        stand_ins = self._stand_ins(ids)
        queryset = build(*shape, **stand_ins)
        query = queryset.query
        compiler = query.get_compiler(alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # e.g. ``id__in=[]``: the ORM runs no query for it either
            return None
        # Where each stand-in is, as the SQL's parameters hold it: (name, index in its list).
        where = {}
        for name, value in stand_ins.items():
            listed = enumerate(value) if isinstance(value, list) else [(None, value)]
            for index, stand_in in listed:
                where[_as_param(stand_in, connection)] = (name, index)
        slots = []
        for position, param in enumerate(params):
            try:
                found = where.get(param)
            except TypeError:  # unhashable: not a stand-in
                found = None
            if found is not None:
                slots.append((position, *found))
        found = {(name, index) for _, name, index in slots}
        expected = set(where.values())
        if found != expected:
            raise ValueError(f"Prepared: ids missing from the SQL's parameters: {expected - found}")
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        # The ORM's converters for each column, worked out once (results_iter would each time).
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        return compiler, sql, list(params), slots, names, converters

    def rows(self, *, shape: tuple = (), build=None, **ids) -> list[dict]:
        compiled, fetched = self.fetch(shape=shape, build=build, **ids)
        if compiled is None:
            return []
        names = compiled[4]
        return [dict(zip(names, row, strict=True)) for row in fetched]

    def fetch(self, *, shape: tuple = (), build=None, **ids) -> tuple[tuple | None, list]:
        """The compiled query (None where it can match nothing) and its rows, converted."""
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        kinds = tuple((name, *_kind(value)) for name, value in sorted(ids.items()))
        key = (alias, connection.vendor, shape, kinds)
        if key not in self._compiled:
            if len(self._compiled) >= 256:  # yesterday's dates, teams since reorganised
                self._compiled.clear()
            self._compiled[key] = self._compile(build or self.build, alias, shape, ids)
        compiled = self._compiled[key]
        if compiled is None:
            return None, []
        compiler, sql, params, slots, names, converters = compiled
        params = list(params)
        for position, name, index in slots:
            value = ids[name] if index is None else ids[name][index]
            params[position] = _as_param(value, connection)
        with connection.cursor() as cursor:
            if self.plan_each_time:
                cursor.execute(sql, params)
            else:
                execute(connection, cursor, sql, params)
            fetched = cursor.fetchall()
        if compiler.has_extra_select:  # columns the ORDER BY needed, not the caller
            fetched = [row[: compiler.col_count] for row in fetched]
        if converters:
            fetched = compiler.apply_converters(fetched, converters)
        return compiled, fetched


class PreparedGet:
    """One model instance by a query written once (``Prepared``), with every concrete
    field, as ``QuerySet.get`` gives it; None when no row matches. For the reads on every
    wizard step (the draft, by its reference and author)."""

    def __init__(self, model: type[Model], build):
        self.model = model
        self.names = [field.attname for field in model._meta.concrete_fields]
        self.prepared = Prepared(
            model, lambda *shape, **ids: build(*shape, **ids).values(*self.names)
        )

    def get(self, *, shape: tuple = (), **ids) -> Model | None:
        rows = self.prepared.rows(shape=shape, **ids)
        if len(rows) > 1:
            raise self.model.MultipleObjectsReturned(f"{len(rows)} rows, one expected")
        if not rows:
            return None
        alias = router.db_for_read(self.model)
        return self.model.from_db(alias, self.names, [rows[0][name] for name in self.names])


class PreparedModels:
    """Model instances by a queryset written once per shape (``Prepared``), with the rows it
    ``select_related`` and the values it annotates, as iterating the queryset gives them
    (Django's ``ModelIterable``, whose steps these are). For the record page's reads: the
    record with its team and confirmation, its rounds and decisions, its trail.

    ``build`` makes the queryset from the model's manager (no related manager's known
    objects) with model instances, not ``values()``."""

    def __init__(self, model: type[Model], build, *, plan_each_time: bool = False):
        self.model = model
        self.prepared = Prepared(model, build, plan_each_time=plan_each_time)
        self._loaders: dict[int, tuple] = {}  # by id of the compiled query it reads

    def all(self, *, shape: tuple = (), **ids) -> list[Model]:
        compiled, fetched = self.prepared.fetch(shape=shape, **ids)
        if compiled is None:
            return []
        alias = router.db_for_read(self.model)
        loader = self._loaders.get(id(compiled))
        if loader is None or loader[0] is not compiled:
            if len(self._loaders) >= 256:
                self._loaders.clear()
            loader = self._loaders[id(compiled)] = (compiled, *_loader(compiled[0], alias))
        _, model, start, end, init_list, populators, annotations = loader
        instances = []
        for row in fetched:
            instance = model.from_db(alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in annotations:
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances

    def get(self, *, shape: tuple = (), **ids) -> Model | None:
        """The one instance, None when no row matches (build a query of at most two rows)."""
        instances = self.all(shape=shape, **ids)
        if len(instances) > 1:
            raise self.model.MultipleObjectsReturned(f"{len(instances)} rows, one expected")
        return instances[0] if instances else None


def _loader(compiler, alias: str) -> tuple:
    """What ``ModelIterable`` works out from a compiled query before its rows."""
    klass_info, select = compiler.klass_info, compiler.select
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, alias)
    return (
        klass_info["model"],
        start,
        end,
        init_list,
        populators,
        [*compiler.annotation_col_map.items()],
    )


def _kind(value) -> tuple:
    """An id's type (and a list's length) for the cache key."""
    if isinstance(value, list | tuple):
        return ("list", len(value), *sorted({type(item).__name__ for item in value}))
    return (type(value).__name__,)


def _as_param(value, connection):
    """A value as the SQL's parameters hold it (a DateTimeField's, for a datetime)."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


_CODE = re.compile(r"[a-z][a-z0-9_]*")


def among_spelt_out(model: type[Model], field_name: str, codes) -> RawSQL:
    """``field IN (codes)`` with the codes in the SQL itself, not in its parameters, for
    ``QuerySet.filter``. PostgreSQL uses a partial index made for those codes only where it
    sees them, and a statement prepared once (``execute``) has its values as parameters.
    Only the app's own codes (lower-case words) are taken: anything else is refused, never
    quoted."""
    codes = [str(code) for code in codes]  # a choice as its value
    refused = [code for code in codes if not _CODE.fullmatch(code)]
    if refused or not codes:
        raise ValueError(f"among_spelt_out: not codes: {refused or codes!r}")
    column = model._meta.get_field(field_name).column
    table = model._meta.db_table
    listed = ", ".join(f"'{code}'" for code in codes)
    condition = f'"{table}"."{column}" IN ({listed})'
    return RawSQL(condition, (), output_field=BooleanField())  # noqa: S611 - codes checked above


class RowInsert:
    """INSERT of an instance's concrete fields (its automatic id comes back), the statement
    written once per database: for the audit trail, a row on every audited request. Values
    are prepared by each field as ``save()`` prepares them, with no ``pre_save`` (as
    ``save_base(raw=True)``: the caller sets every value, timestamps included) and no
    signals."""

    def __init__(self, model: type[Model]):
        self.model = model
        meta = model._meta
        self.fields = [field for field in meta.concrete_fields if field is not meta.auto_field]
        self._sql: dict[str, str] = {}

    def insert(self, instance: Model, *, using: str) -> Model:
        connection = connections[using]
        if using not in self._sql:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(field.column) for field in self.fields)
            marks = ", ".join(["%s"] * len(self.fields))
            self._sql[using] = (
                f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) "  # noqa: S608
                f"VALUES ({marks}) RETURNING {quote(self.model._meta.pk.column)}"
            )
        params = [
            field.get_db_prep_save(getattr(instance, field.attname), connection)
            for field in self.fields
        ]
        with connection.cursor() as cursor:
            execute(connection, cursor, self._sql[using], params)
            instance.pk = cursor.fetchone()[0]
        instance._state.adding = False
        instance._state.db = using
        return instance

    def insert_and_commit(self, instance: Model, *, connection, cursor) -> None:
        """INSERT with the id the instance already has, then COMMIT, in one round trip: the
        transaction was opened on ``cursor`` by its caller (records.audit, PostgreSQL)."""
        meta = self.model._meta
        fields = [meta.auto_field, *self.fields]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}); COMMIT",  # noqa: S608
            [
                field.get_db_prep_save(getattr(instance, field.attname), connection)
                for field in fields
            ],
        )
        instance._state.adding = False
        instance._state.db = connection.alias


class RowUpdate:
    """``UPDATE ... SET fields WHERE conditions``, each ``= %s``, the statement written once
    per database; how many rows it changed comes back. Values are prepared by their fields
    as ``QuerySet.update`` prepares them."""

    def __init__(self, model: type[Model], *, fields: tuple[str, ...], where: tuple[str, ...]):
        self.model = model
        meta = model._meta
        self.fields = [meta.get_field(name) for name in fields]
        self.where = [meta.get_field(name) for name in where]
        self._sql: dict[str, str] = {}

    def update(self, values: dict, where: dict) -> int:
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        sql, params = self.statement(values, where, connection=connection)
        with connection.cursor() as cursor:
            execute(connection, cursor, sql, params)
            return cursor.rowcount

    def statement(self, values: dict, where: dict, *, connection) -> tuple[str, list]:
        """The UPDATE and its parameters, for a caller that runs it with more (records.audit
        ``append_with_change``)."""
        if connection.alias not in self._sql:
            quote = connection.ops.quote_name
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in self.fields)
            conditions = " AND ".join(f"{quote(field.column)} = %s" for field in self.where)
            self._sql[connection.alias] = (
                f"UPDATE {quote(self.model._meta.db_table)} SET {assignments} "  # noqa: S608
                f"WHERE {conditions}"
            )
        params = [field.get_db_prep_save(values[field.name], connection) for field in self.fields]
        params += [
            field.get_db_prep_value(where[field.name], connection, prepared=False)
            for field in self.where
        ]
        return self._sql[connection.alias], params
