"""The association's holidays: a country's public holidays plus its own days off.

The public holidays come from the ``holidays`` package (maintained, covers every year and
most countries and subdivisions), so the "next business day" promise does not silently
break when a hand-kept list runs out.
"""

from __future__ import annotations

from datetime import date

import holidays as public_holidays


class Holidays:
    """A ``date in holidays`` container: public holidays of ``country`` (optionally one
    subdivision) and ``extra`` dates. Raises ``NotImplementedError`` for an unknown
    country and ``ValueError`` for an unknown subdivision, as the package does."""

    def __init__(self, country: str | None = None, subdivision: str | None = None,
                 extra: frozenset[date] = frozenset()) -> None:
        self.country, self.subdivision, self.extra = country, subdivision, extra
        self._public = (public_holidays.country_holidays(country, subdiv=subdivision)
                        if country else None)

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        return day in self.extra or (self._public is not None and day in self._public)

    def name(self, day: date) -> str | None:
        """What the day is, for messages and ``check-config``."""
        if day in self.extra:
            return "association holiday"
        return self._public.get(day) if self._public is not None else None

    def describe(self) -> str:
        where = f"{self.country}{'-' + self.subdivision if self.subdivision else ''}"
        public = f"public holidays of {where}" if self.country else "no public holidays"
        return f"{public} + {len(self.extra)} association days"
