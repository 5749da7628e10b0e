"""What every backend's transaction does the same way, whatever its SQL dialect.

The SQLite and PostgreSQL transactions differ in placeholders, error types and how a row
count is read; the rules on top (an append-only table refuses changes, ``update`` of a
missing record is ``NotFound``, ``rewrite`` only inside a recorded erasure, no sealing
without a key) are the contract, kept once here so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.errors import NotFound, SealError, StorageError
from bot.core.models import Entity
from bot.core.ports import Sealer
from storage._codec import EntityCodec, codec_for


def require_sealer(sealer: Sealer | None) -> Sealer:
    if sealer is None:
        raise SealError("No seal key is loaded, so anonymous reporters cannot be sealed or "
                        "compared. Set COC_BOT_SEAL_KEYS (see the README, confidentiality).")
    return sealer


class TxRules:
    """The dialect-neutral half of ``bot.core.ports.Tx``; a backend supplies ``_update``."""

    _sealer: Sealer | None
    _erasing: bool

    @property
    def sealer(self) -> Sealer:
        return require_sealer(self._sealer)

    async def _update(self, entity: Entity, expected: dict[str, object], *,
                      erasing: bool = False) -> bool:
        raise NotImplementedError

    def _refuse_if_append_only(self, codec: EntityCodec[Any]) -> None:
        if codec.append_only:
            raise StorageError(f"The {codec.table} table is append-only; its records cannot "
                               "be changed or removed. Add a new entry instead.")

    async def _update_all(self, codec: EntityCodec[Any], entities: Sequence[Entity]) -> None:
        raise NotImplementedError

    async def find(self, cls: type[Any], **where: Any) -> list[Any]:
        raise NotImplementedError

    @staticmethod
    def _one_type(entities: Sequence[Entity]) -> EntityCodec[Any]:
        kinds = {type(entity) for entity in entities}
        if len(kinds) != 1:
            raise ValueError("insert_all / update_all_if take records of one type")
        return codec_for(kinds.pop())

    async def insert_all(self, entities: Sequence[Entity]) -> None:
        raise NotImplementedError

    async def insert_all_new(self, entities: Sequence[Entity]) -> set[str]:
        """Read which ids exist, then add the others in one statement: the unit of work
        runs alone, so no other process adds one in between."""
        if not entities:
            return set()
        self._one_type(entities)
        fresh: dict[str, Entity] = {}
        for entity in entities:
            fresh.setdefault(entity.id, entity)
        for row in await self.find(type(entities[0]), id__in=list(fresh)):
            del fresh[row.id]
        await self.insert_all(list(fresh.values()))
        return set(fresh)

    async def update_all_if(self, entities: Sequence[Entity], **expected: object) -> set[str]:
        """Read which records still match ``expected``, then replace those by id in one
        statement: the unit of work runs alone, so nothing changes in between."""
        if not entities:
            return set()
        codec = self._one_type(entities)
        self._refuse_if_append_only(codec)
        by_id = {entity.id: entity for entity in entities}
        matching = {row.id for row in await self.find(type(entities[0]), id__in=list(by_id),
                                                      **expected)}
        if matching:
            await self._update_all(codec, [by_id[i] for i in by_id if i in matching])
        return matching

    async def update(self, entity: Entity) -> None:
        if not await self._update(entity, {}):
            codec = codec_for(type(entity))
            raise NotFound(f"No {codec.label} with id '{entity.id}' exists to update.")

    async def update_if(self, entity: Entity, **expected: object) -> bool:
        return await self._update(entity, expected)

    async def rewrite(self, entity: Entity) -> None:
        """Replace a record's fields, append-only ones included: only inside
        ``Storage.erasure()``, and the audit log's triggers still refuse any change but
        to its personal fields (actor, reason, details)."""
        if not self._erasing:
            raise StorageError("Records can be rewritten only by a recorded erasure.")
        if not await self._update(entity, {}, erasing=True):
            codec = codec_for(type(entity))
            raise NotFound(f"No {codec.label} with id '{entity.id}' exists to rewrite.")
