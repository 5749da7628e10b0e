"""Message templates, edited by operators in ``config/templates/messages.toml``.

Each template declares the placeholders it may use; a template naming an unknown one is
refused at start-up, so a typo is found by ``check-config`` rather than by a member who
receives a broken DM.

Every value is untrusted unless it is :class:`~bot.core.markup.Trusted`: personal
information in it is masked and its pings and links are neutralised (``bot.core.markup``),
so a report reason cannot ping ``@here`` in the staff queue nor put a phone number into the
committee's channel. The rendered text is itself ``Trusted`` and may be nested in another
template.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

from bot.core.automod import mask_personal
from bot.core.errors import ConfigError
from bot.core.markup import Trusted, neutralise

_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")

TEMPLATE_FIELDS: dict[str, frozenset[str]] = {
    name: frozenset(fields.split()) for name, fields in {
        "report_received": "ref due",
        "routed_staff_subject": "",
        "routed_staff_unknown": "",
        "routed_case_note": "ref reason",
        "report_queued": "ref reporter target channel reason excerpt link due",
        "report_overdue": "ref due queue_link",
        "link_unreadable": "",
        "workspace_unavailable": "",
        "report_dismissed": "ref note",
        "anonymous_reporter": "pseudonym",
        "anonymous_bad_faith": "pseudonym count",
        "bad_faith_warning_dm": "count space_name clause_title clause_text how_to_ask",
        "removal_dm": "space_name clause_title clause_text avoid excerpt note how_to_ask",
        "blocked_dm": "space_name clause_title clause_text avoid excerpt note how_to_ask",
        "native_automod_block": "space_name clause_title",
        "redaction_dm": "space_name clause_title clause_text avoid note how_to_ask",
        "warning_dm": "space_name clause_title clause_text avoid note how_to_ask",
        "incident_summary": (
            "ref kind subject channel clause_id clause_title note excerpt actor delivered"
        ),
        "dm_failed": "ref subject what",
        "raid_alert": "state ref started removed accounts channels rules timed_out details",
        "raid_active": "",
        "raid_ended": "at quiet",
        "raid_not_deleted": "count",
        "raid_escalated": "count",
        "raid_flagged": "count",
        "raid_undelivered": "count",
        "raid_restrained": "channel what until",
        "suspension_dm": (
            "space_name scope start end duration reason clause_title avoid appeal review"
        ),
        "suspension_summary": (
            "ref subject scope start end duration reason actor interim delivered review"
        ),
        "lift_dm": "space_name scope",
        "lift_failed": "ref subject error",
        "case_opened": "ref subject summary origin severity quorum emergency",
        "motion": "case motion text closes quorum terms",
        "motion_review": "period",
        "motion_statement": "statement",
        "motion_result": "case motion text result tally statement",
        "motion_no_longer_carried": "case motion tally next applied",
        "motion_reopened": "closes",
        "motion_failed_after_recusal": "",
        "motion_applied_stands": "sanction",
        "statement_pending": "",
        "statement_ready": "case motion statement",
        "statement_unconfigured": "case motion statement",
        "public_statement": "statement",
        "wishes_prompt": "case space_name",
        "wishes_recorded": "case wishes",
        "overruled": "case motion reason",
        "decision_dm": "case decision deadline appeal_route",
        "appeal_filed": "ref case appellant reason deadline",
        "anonymous_appellant": "",
        "appeal_decided_dm": "ref case outcome reason",
        "conflict_subject": "case action",
        "conflict_reporter": "case action",
        "conflict_appellant": "case action",
        "conflict_recused": "case action declared",
        "code_accept_prompt": "version summary space_name",
        "acceptance_reminder": "version space_name",
        "escalated": "ref subject count days",
        "review_due": "ref subject since reason case",
        "review_case": "case summary decision",
        "term_ending": "person seat term_end",
        "roster_not_staggered": "years limit",
        "yearly_review": "year report_year",
        "monthly_digest": "month body",
        # hearing the subject (bot/core/services/hearing.py, relay.py)
        "statement_request": "case about deadline limit",
        "statement_about_report": "",
        "statement_about_incidents": "",
        "statement_about_staff": "",
        "statement_about_message": "about excerpt",
        "statement_motion": "case closes status",
        "statement_status_received": "",
        "statement_status_missing": "limit",
        "statement_reminder": "case deadline",
        "statement_posted": "case text edited",
        "subject_unreachable": "case subject what",
        "tally_statement_received": "at",
        "tally_statement_missing": "due",
        "tally_statement_unreachable": "",
        "contact_opened_dm": "case limit",
        "contact_opened_thread": "case member",
        "relay_from_subject": "case text",
        "relay_to_subject": "case text",
        "relay_to_subject_thread": "case member text undelivered",
        "relay_undelivered": "",
        "contact_by_subject": "",
        "contact_ended_dm": "case",
        "contact_ended_thread": "case by",
        "reply_statement_saved": "case edited",
        "reply_contact_opened": "case",
        "reply_contact_unreachable": "case",
        "reply_relayed": "case",
        "reply_relay_undelivered": "case",
        "reply_passed_on": "",
        "reply_no_conversation": "",
        "reply_contact_ended": "case",
        "case_view_statement": "at text cut",
        "case_view_cut": "",
        "case_view_no_statement": "due",
        "case_view_unreachable": "at",
        "case_view_contact": "state by at count",
        "case_view_by_committee": "member",
        "case_view_relayed": "at who text undelivered",
        "case_view_undelivered": "",
        # private replies to the person who acted (bot/core/flows)
        "ask_clause": "",
        "no_author": "",
        "queue_handled": "outcome by",
        "reply_report_dismissed": "ref bad_faith record",
        "reply_case_opened": "case",
        "reply_removed": "ref dm_closed escalated",
        "reply_removed_by_hand": "ref dm_closed escalated",
        "reply_dm_closed": "",
        "reply_dm_closed_emailed": "",
        "reply_dm_closed_in_writing": "",
        "reply_escalated": "case",
        "reply_suspended": "ref scope end dm_closed review",
        "reply_suspended_review": "date",
        "reply_statement_published": "motion by at",
        "reply_wishes": "",
        # staff records: lifting, history, links, incidents, cases, the roster
        "case_closed": "case reason",
        "reply_unsuspended": "refs subject",
        "reply_linked": "first second",
        "link_bad_account": "account",
        "link_no_space": "platform",
        "reply_incident_reversed": "ref",
        "history": "accounts incident_count incidents sanction_count sanctions case_count cases "
                   "appeals bad_faith",
        "history_none": "",
        "history_incident": "date ref kind clause platform flags",
        "history_reversed": "",
        "history_automated": "",
        "history_sanction": "date ref scope end status",
        "history_case": "date ref status summary",
        "history_appeals": "count lines",
        "history_appeal": "date ref case status",
        "history_bad_faith": "count",
        "case_view": ("ref status severity origin subject summary decision appeal hearing "
                      "wishes evidence"),
        "case_view_wishes": "wishes",
        "case_view_evidence": "source count edits author excerpt",
        "case_view_evidence_gone": "source count edits",
        "case_view_decision": "decision",
        "case_view_appeal": "deadline",
        "case_bad_severity": "severity",
        "reply_communicated": "case deadline",
        "reply_case_closed": "case",
        # /case file: the case file sent by DM (bot/core/services/case_file.py)
        "case_file_dm": "case",
        "reply_case_file_sent": "case",
        "case_file_not_permitted": "",
        "case_file_no_appeal": "case",
        "case_file_conflicted": "case reason",
        "case_view_conflicted": "case reason",
        "named_reporter_appellant": "",
        "own_matter": "what",
        "case_file_party_subject": "",
        "case_file_party_reporter": "",
        "case_file_party_appellant": "",
        "case_file_party_recused": "declared",
        "case_file_undelivered": "case",
        "reply_appointed": "person office start ref",
        "reply_appointed_seat": "person seat start end ref",
        "roster_bad_office": "office",
        "roster_seat_not_committee": "office",
        "roster_line": "office person ref",
        "roster_line_seat": "person seat start end ref",
        "roster_nobody": "",
        "roster_empty_seats": "seats",
        "roster_full": "",
        # participants, the committee, counsel and the Executive (bot/core/flows)
        "anonymous_yes_no": "",
        "need_case": "",
        "case_bad_action": "action",
        "case_need_person": "",
        "case_need_summary": "",
        "case_need_reason": "",
        "home_staff_title": "",
        "home_staff_summary": "waiting shown cases incidents",
        "home_staff_empty": "cases incidents",
        "home_committee_title": "",
        "home_committee_unseated": "",
        "home_committee_summary": "cases votes",
        "home_case_line": "case subject severity summary",
        "home_vote_line": "motion case text closes",
        "home_participant_title": "",
        "home_how_to_report": "how",
        "home_own_report": "ref status made",
        "home_code_to_accept": "version",
        "home_code_accepted": "",
        "home_modal_no_cases": "",
        "reply_recused": "case",
        "reply_motion_open": "motion",
        "reply_overruled": "motion",
        "reply_decision_sent": "deadline",
        "decide_awaiting_statement": "case due unreachable",
        "decide_awaiting_unreachable": "",
        "decide_override_reason": "case words limit",
        "decided_without_statement": "case due by reason",
        "reply_decision_undelivered": "case",
        "reply_decision_emailed": "case",
        "reply_applied": "ref end review",
        "reply_applied_review": "date",
        "motion_review_needs_suspension": "",
        "review_needs_permanent": "",
        "vote_not_counted": "reaction motion reason",
        "vote_emoji_only": "",
        "appeal_outcome_invalid": "",
        "reply_appeal_filed": "ref case",
        "reply_appeal_decided": "ref outcome",
        "reply_code_accepted": "version",
        "reply_code_published": "version count",
        "code_prompt_progress": "version sent failed total",
        "code_prompt_done": "version sent failed",
        "dm_wave": "count",
        "email_subject": "title",
        "email_subject_default": "",
        "email_subject_removal_dm": "",
        "email_subject_sanction_dm": "",
        "email_subject_decision_dm": "",
        "email_subject_appeal_decided_dm": "",
        "email_failed": "subject ref error",
        "email_failed_decision": "subject case error",
        "appeal_outcome_undelivered": "ref case subject",
        "dm_wave_part": "number text",
        "reply_code_status": "version accepted waiting pending more",
        "code_status_nobody": "",
        "code_status_more": "count",
    }.items()
}


class MessageCatalog:
    """Renders named templates; unknown placeholders are refused when loading."""

    def __init__(self, templates: Mapping[str, str]) -> None:
        missing = sorted(set(TEMPLATE_FIELDS) - set(templates))
        if missing:
            raise ConfigError(f"message templates: missing template(s) {', '.join(missing)}.")
        for name, text in templates.items():
            allowed = TEMPLATE_FIELDS.get(name)
            if allowed is None:
                raise ConfigError(f"message templates: '{name}' is not a known template.")
            try:
                used = {field for _, field, _, _ in string.Formatter().parse(text) if field}
            except ValueError as exc:
                raise ConfigError(f"message templates: '{name}' is malformed: {exc}.") from exc
            unknown = used - allowed
            if unknown:
                raise ConfigError(
                    f"message templates: '{name}' uses unknown placeholder(s) "
                    f"{', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}."
                )
        self._templates = dict(templates)

    def render(self, name: str, **values: object) -> Trusted:
        allowed = TEMPLATE_FIELDS[name]
        filled = {key: safe(value) for key, value in values.items()}
        for key in allowed:
            filled.setdefault(key, "")
        text = self._templates[name].format_map(filled)
        # An empty optional part leaves an empty line or a trailing space: tidy both.
        return Trusted(_BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("", text)).strip())


def safe(value: object) -> str:
    """A value as it may appear in a message: masked and neutralised unless trusted."""
    if value is None:
        return ""
    if isinstance(value, Trusted):
        return value
    return neutralise(mask_personal(str(value)))
