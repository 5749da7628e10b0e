"""How domain records become SQL values and back, driven by their dataclass fields.

Every backend stores the same values, so one backend's file can be reasoned about like
another's and a contract suite can hold them all to the same behaviour. Datetimes are
stored as UTC text in one fixed-width format, so comparing the text compares the instants
(``due_at <= now`` works in SQL without date functions). A field whose type has no
representation here is refused when its class is first registered, not when a row is
first written in production.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, Generic, Literal, TypeVar

from bot.core.identity import MessageRef, PersonRef, PlaceRef
from bot.core.models import Entity

SqlValue = str | int | float | None
E = TypeVar("E", bound=Entity)
Op = Literal["eq", "ne", "lt", "lte", "gt", "gte", "in", "null", "not_null"]

APPEND_ONLY_TABLES = frozenset({"audit_log"})
"""Tables whose rows are never changed or removed once written (also enforced by triggers)."""

_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*\Z")
_SUFFIXES = frozenset({"in", "ne", "lt", "lte", "gt", "gte"})
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class _Scalar:
    """How one Python type is stored: its SQL type, a checked encoder and a decoder."""

    sql_type: Literal["TEXT", "INTEGER", "REAL"]
    accepts: type | tuple[type, ...]
    encode: Callable[[Any], str | int | float]
    decode: Callable[[Any], Any] | None  # None: the stored value is already the right one
    label: str
    rejects: type | None = None  # a subclass of ``accepts`` that must not pass (bool in int)

    def check(self, value: object) -> None:
        if not isinstance(value, self.accepts) or (
            self.rejects is not None and isinstance(value, self.rejects)
        ):
            raise TypeError(f"expected {self.label}, got {type(value).__name__}")


def encode_datetime(moment: datetime) -> str:
    """UTC, microseconds, fixed width: the text sorts exactly as the instants do."""
    if moment.utcoffset() is None:
        raise ValueError("a naive datetime cannot be stored; use an aware one (the clock's)")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def decode_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _encode_time(moment: time) -> str:
    return moment.isoformat(timespec="microseconds")


def _encode_timedelta(span: timedelta) -> int:
    return span // _MICROSECOND


def _decode_timedelta(micros: int) -> timedelta:
    return timedelta(microseconds=micros)


_SIMPLE: dict[object, _Scalar] = {
    str: _Scalar("TEXT", str, str.__str__, None, "str"),
    int: _Scalar("INTEGER", int, int.__index__, None, "int", rejects=bool),
    float: _Scalar("REAL", (int, float), float, None, "float", rejects=bool),
    bool: _Scalar("INTEGER", bool, int, bool, "bool"),
    datetime: _Scalar("TEXT", datetime, encode_datetime, decode_datetime, "datetime"),
    date: _Scalar("TEXT", date, date.isoformat, date.fromisoformat, "date", rejects=datetime),
    time: _Scalar("TEXT", time, _encode_time, time.fromisoformat, "time"),
    timedelta: _Scalar("INTEGER", timedelta, _encode_timedelta, _decode_timedelta,
                       "timedelta"),
}
_REFS = (PersonRef, PlaceRef, MessageRef)


def _sequence(origin: type[tuple[Any, ...]] | type[frozenset[Any]], element: _Scalar) -> _Scalar:
    """A JSON list of encoded elements; a frozenset's are sorted so equal sets store equal."""
    is_set = origin is frozenset
    decode_element = element.decode

    def encode(values: Iterable[object]) -> str:
        items = []
        for value in values:
            element.check(value)
            items.append(element.encode(value))
        if is_set:
            items.sort()
        return json.dumps(items, ensure_ascii=False, separators=(",", ":"))

    def decode(text: str) -> object:
        items = json.loads(text)
        return origin(items if decode_element is None else map(decode_element, items))

    return _Scalar("TEXT", origin, encode, decode, f"{origin.__name__}[{element.label}]")


@cache
def scalar_for(tp: object) -> _Scalar:
    """The storage form of a (non-optional) field type; TypeError if there is none."""
    if tp in _SIMPLE:
        return _SIMPLE[tp]
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        members = {member.value: member for member in tp}
        return _Scalar("TEXT", tp, operator.attrgetter("value"), members.__getitem__,
                       tp.__name__)
    if tp in _REFS:
        ref = typing.cast(type[PersonRef], tp)
        return _Scalar("TEXT", ref, operator.attrgetter("key"), ref.parse, ref.__name__)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    collection: type[tuple[Any, ...]] | type[frozenset[Any]]
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        collection = tuple
    elif origin is frozenset and len(args) == 1:
        collection = frozenset
    else:
        raise TypeError(f"{tp!r} has no storage representation")
    element = args[0]
    if typing.get_origin(element) is not None:
        raise TypeError(f"{tp!r}: only flat collections of simple values can be stored")
    return _sequence(collection, scalar_for(element))


def _unwrap_optional(tp: object) -> tuple[object, bool]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        rest = [arg for arg in args if arg is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            return rest[0], True
        raise TypeError(f"{tp!r}: the only union storage accepts is 'X | None'")
    return tp, False


@dataclass(frozen=True, slots=True)
class Column:
    """One dataclass field as a column; encodes values for rows and for filters alike."""

    owner: str
    name: str
    nullable: bool
    scalar: _Scalar

    @property
    def sql_type(self) -> str:
        return self.scalar.sql_type

    def encode(self, value: object) -> SqlValue:
        if value is None:
            if self.nullable:
                return None
            raise TypeError(f"{self.owner}.{self.name} cannot be None")
        try:
            self.scalar.check(value)
            return self.scalar.encode(value)
        except TypeError as exc:
            raise TypeError(f"{self.owner}.{self.name}: {exc}") from None
        except ValueError as exc:
            raise ValueError(f"{self.owner}.{self.name}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Condition:
    """One checked, encoded filter term; each backend renders it in its own SQL."""

    column: str
    op: Op
    value: SqlValue = None
    values: tuple[SqlValue, ...] = ()
    or_null: bool = False  # an ``__in`` list that also contained None


def _label(class_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", class_name).lower()


class EntityCodec(Generic[E]):
    """Everything storage needs to know about one entity class, worked out once."""

    __slots__ = ("_by_name", "_decoders", "_getter", "_kw_only", "append_only", "cls",
                 "columns", "label", "names", "table")

    def __init__(self, cls: type[E]) -> None:
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            raise TypeError(f"{cls!r} is not a dataclass, so storage cannot persist it")
        table = getattr(cls, "TABLE", None)
        if not isinstance(table, str) or not _IDENTIFIER.match(table):
            raise TypeError(f"{cls.__name__}.TABLE must be a lower-case SQL identifier")
        hints = typing.get_type_hints(cls)
        columns: list[Column] = []
        for field in dataclasses.fields(cls):
            if not _IDENTIFIER.match(field.name) or "__" in field.name:
                raise TypeError(f"{cls.__name__}.{field.name} is not a usable column name")
            if not field.init:
                raise TypeError(f"{cls.__name__}.{field.name} is not an __init__ field")
            try:
                tp, nullable = _unwrap_optional(hints[field.name])
                scalar = scalar_for(tp)
            except TypeError as exc:
                raise TypeError(f"{cls.__name__}.{field.name} cannot be stored: {exc}") from None
            columns.append(Column(cls.__name__, field.name, nullable, scalar))
        by_name = {column.name: column for column in columns}
        id_column = by_name.get("id")
        if id_column is None or id_column.nullable or id_column.scalar.accepts is not str:
            raise TypeError(f"{cls.__name__} needs an 'id: str' field as its primary key")
        self.cls: type[E] = typing.cast("type[E]", cls)
        self.table = table
        self.label = _label(cls.__name__)
        self.append_only = table in APPEND_ONLY_TABLES
        self.columns = tuple(columns)
        self.names = tuple(by_name)
        self._by_name = by_name
        self._getter = operator.attrgetter(*self.names)
        self._decoders = tuple(column.scalar.decode for column in columns)
        self._kw_only = any(field.kw_only for field in dataclasses.fields(cls))

    def column(self, name: str) -> Column:
        """The named column; ValueError for anything else, so no unchecked name reaches SQL."""
        column = self._by_name.get(name)
        if column is None:
            raise ValueError(f"{self.cls.__name__} has no field '{name}'")
        return column

    def encode(self, entity: object) -> list[SqlValue]:
        """The row for ``entity``, in ``names`` order."""
        if not isinstance(entity, self.cls):
            raise TypeError(f"expected a {self.cls.__name__}, got {type(entity).__name__}")
        values = self._getter(entity)
        if len(self.columns) == 1:
            values = (values,)
        return [column.encode(value) for column, value in zip(self.columns, values,
                                                               strict=True)]

    def decode(self, row: Sequence[SqlValue]) -> E:
        values = [value if decode is None or value is None else decode(value)
                  for decode, value in zip(self._decoders, row, strict=True)]
        if self._kw_only:
            return self.cls(**dict(zip(self.names, values, strict=True)))
        return self.cls(*values)

    def conditions(self, where: Mapping[str, object]) -> list[Condition]:
        return [self.condition(key, value) for key, value in where.items()]

    def condition(self, key: str, value: object) -> Condition:
        """Parse ``field`` or ``field__op``; ``None`` means NULL, ``__ne=None`` NOT NULL."""
        name, sep, suffix = key.rpartition("__")
        if not sep or suffix not in _SUFFIXES:
            name, suffix = key, "eq"
        if name not in self._by_name:
            hint = " (operators are __in, __ne, __lt, __lte, __gt, __gte)" if "__" in key else ""
            raise ValueError(f"{self.cls.__name__} has no field '{name}' to filter on{hint}")
        column = self._by_name[name]
        if suffix == "in":
            if isinstance(value, str | bytes) or not isinstance(value, Iterable):
                raise TypeError(f"{key} needs a collection of values, got {type(value).__name__}")
            items = list(value)
            return Condition(name, "in",
                             values=tuple(column.encode(v) for v in items if v is not None),
                             or_null=any(v is None for v in items))
        if value is None:
            if suffix == "eq":
                return Condition(name, "null")
            if suffix == "ne":
                return Condition(name, "not_null")
            raise ValueError(f"{key}=None: None cannot be ordered against values")
        op = typing.cast(Op, suffix)
        return Condition(name, op, column.encode(value))


_CODECS: dict[type, EntityCodec[Any]] = {}


def codec_for(cls: type[E]) -> EntityCodec[E]:
    """The codec for ``cls``, built (and its field types checked) on first use."""
    codec = _CODECS.get(cls)
    if codec is None:
        codec = _CODECS[cls] = EntityCodec(cls)
    return codec
