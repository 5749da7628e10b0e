"""The automod engine: one object the front-ends feed every new or edited message.

Per message the work is: two ``str.translate`` passes (normalisation), one Aho-Corasick
pass (every keyword list, political phrases, blocked domains), one RE2 set pass (staff
patterns and the built-in detectors' triggers), and a few dictionary updates for the
repetition rules. Anything slower (checking a card number, mapping positions back to the
original text for an excerpt) only runs for the rare message that matched something.

Channel settings are resolved once per (channel, category) and cached, so per-channel
tailoring costs nothing per message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.core.automod import _builtin as builtin
from bot.core.automod._classifier import MODEL, TextClassifier
from bot.core.automod._config import AutomodConfig, PlaceProfile, RuleOverride
from bot.core.automod._context import in_context
from bot.core.automod._impersonation import IMPERSONATION, ImpersonationCheck
from bot.core.automod._keywords import Hit, KeywordIndex
from bot.core.automod._lists import (
    EXPLETIVES,
    HARASSMENT,
    HATE,
    HATE_REVIEW,
    PROFANITY,
    SEXUAL,
)
from bot.core.automod._masking import (
    Span,
    in_original,
    mask_indices,
    masked,
    personal_spans,
)
from bot.core.automod._model import Action, Detection, RuleSettings, ScannedMessage
from bot.core.automod._patterns import PatternIndex
from bot.core.automod._repetition import REPETITION_RULES, RepetitionTracker
from bot.core.automod.normalize import Normalized, SpanMap, scan_views
from bot.core.code_text import ProfileBook

_CONTEXT = 40  # characters of context either side of a match in an excerpt
_MASK_MARGIN = _CONTEXT + 160  # searched for personal information either side of a match
_EXCERPT_MAX = 300
_PLACE_CACHE_LIMIT = 20_000
# The shipped lists, read in context (see ``_context``): a mild word inside a name, link or
# file name is dropped; a slur or threat there, or opening the message as a name, goes to
# staff instead of being removed.
_MILD_LISTS = frozenset({PROFANITY, SEXUAL, EXPLETIVES})
_GUARDED_LISTS = frozenset({HATE, HATE_REVIEW, HARASSMENT})
_UNCERTAIN = " (as part of a name, link or file name, or as a name: sent to staff, not removed)"


@dataclass(frozen=True, slots=True)
class _Place:
    rules: dict[str, RuleSettings]  # the rules enabled here, with this place's settings
    exempt_roles: frozenset[str]
    restricts_promotion: bool


class Automod:
    """Scans messages against the configured rules.

    ``profiles`` (the Code's channel profiles) say where promotion is restricted, which
    is where the advertising rule applies; an automod profile or the message itself may
    say so too. The engine keeps the repetition state, so use one instance per process.
    ``classifier`` is the optional model behind rule ``toxicity-model`` (see ``bot/ml``);
    without one that rule finds nothing.
    """

    def __init__(self, config: AutomodConfig, *, profiles: ProfileBook | None = None,
                 classifier: TextClassifier | None = None) -> None:
        self.config = config
        self._classifier = classifier
        self._profiles = profiles
        self._exempt = config.exempt_roles
        self._keywords = KeywordIndex(config.keyword_lists, config.allowed)
        self._has_keywords = bool(self._keywords)
        self._patterns = PatternIndex(config.patterns)
        # Which mask each member of the short messages' folded set is, when that set holds
        # every mask pattern (all PII rules on): its answer then spares masking a set pass.
        self._masks_of = mask_indices(self._patterns.folded_patterns)
        self._min_scores = dict(config.min_scores)
        self._repetition = RepetitionTracker(config.repetition) \
            if any(r in config.rules for r in REPETITION_RULES) else None
        impersonation = ImpersonationCheck(config.protected, config.reserved_words)
        self._impersonation = impersonation if impersonation else None
        self._places: dict[tuple[str, str | None, bool | None], _Place] = {}

    # -- the hot path ----------------------------------------------------------------------

    def scan(self, message: ScannedMessage) -> list[Detection]:
        """Every rule the message breaks where it was posted, strongest action first."""
        if not self.config.enabled:
            return []
        roles = message.author_roles
        if roles and not self._exempt.isdisjoint(roles):
            return []
        place = self._places.get((message.channel_id, message.category_id,
                                  message.restricts_promotion))
        if place is None:
            place = self._place(message.channel_id, message.category_id,
                                message.restricts_promotion)
        if roles and place.exempt_roles and not place.exempt_roles.isdisjoint(roles):
            return []
        text = message.text
        folded, folded_bytes, skel, skel_bytes, words, odd = scan_views(text)
        hits: list[Hit] = []
        if self._has_keywords:
            self._keywords.find(skel, hits, words)
        answer = self._patterns.find(text, folded, skel, folded_bytes, skel_bytes,
                                     place.rules, hits)
        if self._repetition is not None:
            self._repetition.observe(message, skel_bytes, hits)
        if self._impersonation is not None and message.display_name \
                and IMPERSONATION in place.rules:
            detail = self._impersonation.check(message.display_name, message.author_id)
            if detail is not None:
                hits.append((IMPERSONATION, -1, -1, detail, 1))
        if self._classifier is not None and MODEL in place.rules:
            self._classify(folded, hits)
        if not hits:
            return []  # the common case: nothing else is built for a clean message
        return self._detections(Normalized(text, folded, skel), message, place, hits,
                                answer, odd)

    def _classify(self, folded: str, hits: list[Hit]) -> None:
        """Asks the optional model; a score over the threshold is one alert-worthy hit."""
        score = self._classifier.score(folded) if self._classifier is not None else 0.0
        if score >= self.config.model_threshold:
            hits.append((MODEL, -1, -1, f"model score {score:.2f}", 1))

    def check_display_name(self, author_id: str, display_name: str,
                           roles: Iterable[str] = ()) -> Detection | None:
        """For a name change: whether the new name impersonates someone protected."""
        settings = self.config.rules.get(IMPERSONATION)
        role_set = frozenset(roles)
        if settings is None or not settings.enabled or self._impersonation is None \
                or not self._exempt.isdisjoint(role_set) \
                or not settings.exempt_roles.isdisjoint(role_set):
            return None
        detail = self._impersonation.check(display_name, author_id)
        if detail is None:
            return None
        return _detection(settings, display_name[:_EXCERPT_MAX], detail, None)

    def settings_for(self, channel_id: str, category_id: str | None = None,
                     restricts_promotion: bool | None = None) -> dict[str, RuleSettings]:
        """The rules enabled in a channel and how they act there (for staff tooling)."""
        return dict(self._place(channel_id, category_id, restricts_promotion).rules)

    # -- detections ------------------------------------------------------------------------

    def _detections(self, norm: Normalized, message: ScannedMessage, place: _Place,
                    hits: list[Hit], answer: Sequence[int] | None = None,
                    odd: tuple[str, ...] | None = None) -> list[Detection]:
        """``answer``: what ``PatternIndex.find`` returned (the short set's matches);
        ``odd``: what ``scan_views`` said of the text (for its ``SpanMap``)."""
        first: dict[str, Hit] = {}
        scores: dict[str, int] = {}
        details: dict[str, list[str]] = {}
        roles = message.author_roles
        hits, uncertain = in_context(norm.folded, hits, _MILD_LISTS, _GUARDED_LISTS,
                                     self.config.aimed_only)
        for hit in hits:
            rule_id = hit[0]
            settings = place.rules.get(rule_id)
            if settings is None or (roles and settings.exempt_roles
                                    and not settings.exempt_roles.isdisjoint(roles)):
                continue
            first.setdefault(rule_id, hit)
            scores[rule_id] = scores.get(rule_id, 0) + hit[4]
            seen = details.setdefault(rule_id, [])
            if hit[3] not in seen:
                seen.append(hit[3])
        kept = [(rule_id, hit) for rule_id, hit in first.items()
                if scores[rule_id] >= self._min_scores.get(rule_id, 1)]
        if not kept:
            return []
        spans = None
        if not norm.original.isascii():
            spans = SpanMap(norm.original, until=_MASK_MARGIN + max(
                hit[2] if hit[1] >= 0 else _EXCERPT_MAX for _, hit in kept), odd=odd)
        masks_of = self._masks_of
        known = None if answer is None or masks_of is None \
            else [masks_of[i] for i in answer if masks_of[i] >= 0]
        private = _personal(norm, spans, [hit for _, hit in kept], known)
        found = []
        for rule_id, hit in kept:
            settings = place.rules[rule_id]
            if rule_id == IMPERSONATION:
                excerpt, span = message.display_name[:_EXCERPT_MAX], None
            else:
                excerpt, span = _excerpt(norm.original, spans, private, hit[1], hit[2])
            shown = details[rule_id]
            detail = "; ".join(shown[:3]) + (f" (+{len(shown) - 3} more)" if len(shown) > 3
                                             else "")
            if rule_id in uncertain and settings.action is not Action.ALERT_STAFF:
                settings = replace(settings, action=Action.ALERT_STAFF, suspend_for=None)
                detail += _UNCERTAIN
            found.append(_detection(settings, excerpt, detail, span))
        found.sort(key=lambda d: d.rank, reverse=True)
        return found

    # -- places ----------------------------------------------------------------------------

    def _place(self, channel: str, category: str | None, restricts: bool | None) -> _Place:
        key = (channel, category, restricts)
        place = self._places.get(key)
        if place is None:
            if len(self._places) >= _PLACE_CACHE_LIMIT:
                self._places.clear()
            place = self._places[key] = self._resolve(channel, category, restricts)
        return place

    def _resolve(self, channel: str, category: str | None, restricts: bool | None) -> _Place:
        config = self.config
        space = channel.rsplit(":", 1)[0] if channel.count(":") >= 2 else None
        keys = [k for k in (space, category, channel) if k]
        chain: list[PlaceProfile] = [config.profiles[k] for k in keys if k in config.profiles]
        enabled = {rule_id for rule_id, s in config.rules.items() if s.enabled}
        exempt: set[str] = set()
        settings = dict(config.rules)
        profile_restricts: bool | None = None
        for profile in chain:
            enabled = (enabled | profile.enable) - profile.disable
            exempt |= profile.exempt_roles
            if profile.restricts_promotion is not None:
                profile_restricts = profile.restricts_promotion
            for rule_id, override in profile.overrides.items():
                settings[rule_id] = _apply(settings[rule_id], override)
        if restricts is None:
            restricts = profile_restricts
        if restricts is None and self._profiles is not None:
            restricts = self._profiles.for_place(channel, category, space).restricts_promotion
        if not restricts:
            enabled.discard(builtin.ADVERTISING)
        rules = {rule_id: settings[rule_id] for rule_id in settings if rule_id in enabled}
        return _Place(rules, frozenset(exempt), bool(restricts))


def _apply(base: RuleSettings, override: RuleOverride) -> RuleSettings:
    action = override.action or base.action
    suspension = override.suspend_for or base.suspend_for
    return RuleSettings(
        rule_id=base.rule_id, clause_id=override.clause_id or base.clause_id,
        severity=override.severity or base.severity, action=action,
        suspend_for=suspension if action is Action.REMOVE_AND_SUSPEND else None,
        enabled=True, exempt_roles=base.exempt_roles)


def _detection(settings: RuleSettings, excerpt: str, detail: str,
               span: tuple[int, int] | None) -> Detection:
    return Detection(rule_id=settings.rule_id, clause_id=settings.clause_id,
                     severity=settings.severity, action=settings.action, excerpt=excerpt,
                     detail=detail, suspend_for=settings.suspend_for, span=span)


def _personal(norm: Normalized, spans: SpanMap | None, hits: list[Hit],
              known: list[int] | None = None) -> list[Span]:
    """Personal information near the excerpts (original positions), found once per
    message: only a margin around each match is searched, so a long message with several
    findings costs about what a short one does. No piece of personal information is
    longer than the margin, so one cut by the context is still masked whole.

    ``known``: the masks that match in the whole folded text, when the engine's set has
    said so; a window that is the whole text takes that answer.
    """
    windows: list[list[int]] = []
    # An excerpt shows at most _EXCERPT_MAX characters from a match's start (``_excerpt``),
    # so a match spanning a whole long message needs no more masked than a short one:
    # that many original characters are at most ``spans.widest`` times as many folded.
    reach = _EXCERPT_MAX * (1 if spans is None else spans.widest)
    for start, end in sorted((max(0, h[1]), min(h[2], max(0, h[1]) + reach)
                              if h[1] >= 0 else _EXCERPT_MAX) for h in hits):
        lo, hi = max(0, start - _MASK_MARGIN), end + _MASK_MARGIN
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    found: list[Span] = []
    whole = len(norm.folded)
    for lo, hi in windows:
        found += personal_spans(norm, lo, hi, known if lo == 0 and hi >= whole else None)
    return in_original(norm.original, norm.folded, found, spans)


def _excerpt(text: str, spans: SpanMap | None, private: list[Span], start: int, end: int
             ) -> tuple[str, tuple[int, int] | None]:
    """The match in the words the person wrote, with some context either side.

    Personal information in it is masked (``[phone removed]``): the excerpt is stored and
    shown to staff, and the detection's ``detail`` already says what was found.
    """
    if start < 0:
        cut = min(len(text), _EXCERPT_MAX + _CONTEXT)  # masked inside the searched window
        shown = masked(text, private, 0, cut)
        return _shorten(shown + ("…" if cut < len(text) else "")), None
    first, last = spans.span(start, end) if spans is not None else (start, end)
    # Cut to _EXCERPT_MAX below: nothing further is shown, and ``_personal`` masked to here.
    lo = max(0, first - _CONTEXT)
    hi = min(len(text), last + _CONTEXT, lo + _EXCERPT_MAX)
    excerpt = ("…" if lo > 0 else "") + masked(text, private, lo, hi) + \
        ("…" if hi < len(text) else "")
    return excerpt[:_EXCERPT_MAX], (first, last)


def _shorten(text: str) -> str:
    return text if len(text) <= _EXCERPT_MAX else text[:_EXCERPT_MAX - 1] + "…"
