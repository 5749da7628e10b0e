"""What every stored entity shares: a string id and the table it lives in."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol


class Entity(Protocol):
    """A frozen dataclass the storage layer can persist field by field."""

    TABLE: ClassVar[str]
    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def id(self) -> str: ...
