"""Discord's own AutoMod as the first line: the lists that must never be seen, blocked
before anyone sees them (``[discord.native_automod]``, off unless enabled).

At start the chosen categories are planned into keyword rules (``native_plan.py``) and the
bot's rules in the server are brought in line: created when missing, edited **in place**
when a list changed, deleted when a category was dropped. The bot's rules are the ones it
created whose name starts with ``coc-bot:``; rules staff made by hand are never touched.
A hash of everything that goes into the rules is kept in ``platform_state``, so a start
with unchanged lists and settings makes no call at all. (A bot rule deleted by hand in
Discord therefore comes back at the next change of the lists or settings.)

Without Manage Server the bot says so once and its own automod keeps covering the lists,
as it always does: Discord's rules are a first line, never the only one.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from bot.core.markup import Trusted
from bot.discord_io.native_plan import (
    MAX_CUSTOM_MESSAGE,
    MAX_EXEMPT_ROLES,
    RULE_PREFIX,
    Plan,
    PlannedRule,
    digest,
    plan,
)

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot
    from config.settings import Settings

log = logging.getLogger(__name__)

KEYWORD = discord.AutoModRuleTriggerType.keyword


@dataclass
class NativeRules:
    """What the bot knows about its rules in the server: rule id -> list category."""

    categories: dict[int, str] = field(default_factory=dict)

    def category_of(self, rule_id: int) -> str | None:
        return self.categories.get(rule_id)


def plan_for(settings: Settings, slots: int | None = None) -> Plan:
    """The rules the configuration asks for (no categories when native AutoMod is off)."""
    assert settings.discord is not None
    native = settings.discord.native_automod
    words = {k.rule_id: k.words for k in settings.automod.keyword_lists}
    categories = native.categories if native.enabled else ()
    if slots is None:
        return plan(categories, words, settings.automod.allowed)
    return plan(categories, words, settings.automod.allowed, slots=slots)


def check_lines(settings: Settings) -> list[str]:
    """``coc-bot check-config``'s lines: what goes to Discord AutoMod and what does not fit
    (counted as if all 6 keyword rules were free; rules staff made take their slots)."""
    if settings.discord is None or not settings.discord.native_automod.enabled:
        return ["Discord native AutoMod: off"]
    found = plan_for(settings)
    rules = ", ".join(f"{r.name.removeprefix(RULE_PREFIX)} ({len(r.keywords)} keywords)"
                      for r in found.rules)
    lines = [f"Discord native AutoMod: {len(found.rules)} rules: {rules}"]
    return lines + [f"Discord native AutoMod: {problem}" for problem in found.problems()]


class NativeAutomod:
    """Keeps the bot's Discord AutoMod rules in line with the lists (see module docstring)."""

    def __init__(self, bot: CocBot) -> None:
        self.bot = bot
        self.rules = NativeRules()
        self.timeout_on = False  # the rules also time out (set, and permitted)

    @property
    def _key(self) -> str:
        return f"discord:{self.bot.settings.guild_id}:native-automod"

    async def load(self) -> str | None:
        """The rule ids known from the last sync (action events name rules by id); the
        stored state as kept."""
        stored = await self.bot.app.services.state.get(self._key)
        if stored:
            data = json.loads(stored)
            self.rules = NativeRules({int(k): v for k, v in data["categories"].items()})
            self.timeout_on = bool(data.get("timeout"))
        return stored

    async def sync(self, guild: discord.Guild) -> None:
        """Bring the server's bot-made rules in line; no call when nothing changed."""
        stored = await self.load()
        state = self.bot.app.services.state
        settings = self.bot.app.settings
        native = self.bot.settings.native_automod
        if not native.enabled and not stored:
            return  # never used here: nothing to clean up
        if not guild.me.guild_permissions.manage_guild:
            return  # said once by the set-up check; the bot's own automod covers the lists
        actions = self._actions(guild)
        wanted = plan_for(settings)
        inputs = digest({"rules": [_payload(r, actions, self._exempt()) for r in wanted.rules],
                         "enabled": native.enabled})
        if stored and json.loads(stored).get("inputs") == inputs:
            log.info("discord: native AutoMod rules unchanged, no call made")
            return
        existing = await guild.fetch_automod_rules()
        mine = {r.name: r for r in existing if self._is_mine(r)}
        others = sum(1 for r in existing if not self._is_mine(r) and r.trigger.type == KEYWORD)
        final = plan_for(settings, slots=max(0, 6 - others)) if native.enabled else wanted
        for problem in final.problems():
            log.warning("discord: native AutoMod: %s", problem)
        planned = {rule.name for rule in final.rules}
        for name in [name for name in mine if name not in planned]:
            # First, so that a rule that no longer fits frees its slot for the others.
            await mine.pop(name).delete(reason="coc-bot: no longer pushed to AutoMod")
        categories = {}
        for rule in final.rules:
            done = await self._put(guild, mine.pop(rule.name, None), rule, actions)
            categories[done] = rule.category
        self.rules = NativeRules(categories)
        await state.put(self._key, json.dumps({"inputs": inputs, "timeout": self.timeout_on,
                                               "categories": {str(k): v for k, v in
                                                              categories.items()}}))
        log.info("discord: native AutoMod holds %d rules", len(categories))

    def _is_mine(self, rule: discord.AutoModRule) -> bool:
        assert self.bot.user is not None
        return rule.creator_id == self.bot.user.id and rule.name.startswith(RULE_PREFIX)

    async def _put(self, guild: discord.Guild, current: discord.AutoModRule | None,
                   rule: PlannedRule, actions: dict[str, list[discord.AutoModRuleAction]]
                   ) -> int:
        """Create the rule, or edit it in place when it differs; its id."""
        exempt = self._exempt()
        trigger = discord.AutoModTrigger(type=KEYWORD, keyword_filter=list(rule.keywords),
                                         allow_list=list(rule.allow_list),
                                         regex_patterns=list(rule.regex_patterns))
        roles = [discord.Object(r) for r in exempt]
        if current is None:
            created = await guild.create_automod_rule(
                name=rule.name, event_type=discord.AutoModRuleEventType.message_send,
                trigger=trigger, actions=actions[rule.category], enabled=True,
                exempt_roles=roles, reason="coc-bot: native AutoMod for the Code's lists")
            log.info("discord: native AutoMod rule %r created", rule.name)
            return created.id
        if _current(current) != _payload(rule, actions, exempt):
            await current.edit(trigger=trigger, actions=actions[rule.category], enabled=True,
                               exempt_roles=roles, reason="coc-bot: the lists changed")
            log.info("discord: native AutoMod rule %r updated in place", rule.name)
        return current.id

    def _exempt(self) -> list[int]:
        """The bot's automod exemptions that are Discord role ids (Discord takes 20)."""
        ids = sorted(int(r) for r in self.bot.app.settings.automod.exempt_roles if r.isdigit())
        return ids[:MAX_EXEMPT_ROLES]

    def _actions(self, guild: discord.Guild) -> dict[str, list[discord.AutoModRuleAction]]:
        """Per category: block with a message naming the clause; alert and timeout if set."""
        native = self.bot.settings.native_automod
        timeout = native.timeout
        if not guild.me.guild_permissions.moderate_members:
            timeout = None  # said once by the set-up check: the rules only block
        self.timeout_on = timeout is not None
        found = {}
        for category in native.categories:
            actions = [discord.AutoModRuleAction(custom_message=self._message(category))]
            if native.alert_channel_id is not None:
                actions.append(discord.AutoModRuleAction(channel_id=native.alert_channel_id))
            if timeout is not None:
                actions.append(discord.AutoModRuleAction(duration=timeout))
            found[category] = actions
        return found

    def _message(self, category: str) -> str:
        settings = self.bot.app.settings
        rule = settings.automod.rules.get(category)
        clause = settings.code.clause(rule.clause_id) if rule else None
        space = f"discord:{self.bot.settings.guild_id}"
        profile = settings.profiles.for_place(None, space)
        text = settings.messages.render(
            "native_automod_block", space_name=Trusted(profile.space_name),
            clause_title=Trusted(clause.title if clause else "the Code of Conduct"))
        return text if len(text) <= MAX_CUSTOM_MESSAGE else \
            text[:MAX_CUSTOM_MESSAGE - 1].rstrip() + "…"


def _payload(rule: PlannedRule, actions: dict[str, list[discord.AutoModRuleAction]],
             exempt: list[int]) -> dict[str, Any]:
    """What a rule holds, normalised, for comparing with what Discord has."""
    return {"name": rule.name, "enabled": True,
            "keywords": sorted(rule.keywords), "allow": sorted(rule.allow_list),
            "regex": sorted(rule.regex_patterns),
            "actions": sorted((json.dumps(a.to_dict(), sort_keys=True)
                               for a in actions.get(rule.category, [])), key=str),
            "exempt": sorted(exempt)}


def _current(rule: discord.AutoModRule) -> dict[str, Any]:
    return {"name": rule.name, "enabled": rule.enabled,
            "keywords": sorted(rule.trigger.keyword_filter),
            "allow": sorted(rule.trigger.allow_list),
            "regex": sorted(rule.trigger.regex_patterns),
            "actions": sorted((json.dumps(a.to_dict(), sort_keys=True) for a in rule.actions),
                              key=str),
            "exempt": sorted(rule.exempt_role_ids)}
