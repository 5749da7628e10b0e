"""A case file as one self-contained, readable HTML page (no scripts, no external files).

Every value from the record is escaped: report reasons, statements and kept messages are
written by members and may contain markup. The page says the same as the JSON document
(``bot.core.services.case_file``), section by section.
"""

from __future__ import annotations

from html import escape
from typing import Any

JSON = dict[str, Any]

_STYLE = """body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1b1b1b}h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;
border-bottom:1px solid #ccc}table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#f4f4f4}.muted{color:#666}.quote{white-space:pre-wrap}
@media print{body{margin:0}}"""

_SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("reports", "Reports", ("id", "created_at", "status", "reporter", "reporter_pseudonym",
                            "target", "reason", "message_excerpt", "resolution_note")),
    ("incidents", "Incidents", ("id", "created_at", "kind", "clause_id", "severity",
                                "actor", "automated", "note", "excerpt", "reversed_at")),
    ("statements", "Statements", ("by", "text")),
    ("decided_without_statement", "Decided without the subject's statement",
     ("at", "by", "reason", "statement_due")),
    ("recusals", "Recusals", ("member", "declared_at", "reason")),
    ("appeals", "Appeals", ("id", "filed_at", "appellant", "appellant_pseudonym", "reason",
                            "status", "decided_by", "decided_at", "decision_reason",
                            "communicated_at", "communicated_via")),
    ("sanctions", "Sanctions", ("id", "scope", "starts_at", "ends_at", "status", "reason",
                                "clause_id", "interim", "actor", "lifted_at", "lifted_by",
                                "lift_reason")),
)


def _cell(value: object) -> str:
    if value is None or value == "":
        return '<span class="muted">—</span>'
    if isinstance(value, list):
        return "<br>".join(escape(str(item)) for item in value)
    return f'<span class="quote">{escape(str(value))}</span>'


def _table(rows: list[JSON], columns: tuple[str, ...]) -> str:
    if not rows:
        return '<p class="muted">None.</p>'
    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(row.get(c))}</td>" for c in columns)
                   + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _facts(case: JSON) -> str:
    fields = ("status", "severity", "origin", "subject", "opened_at", "opened_by",
              "reporter", "reporter_pseudonym", "summary", "decision", "communicated_at",
              "communicated_via", "appeal_deadline", "final_at")
    rows = "".join(f"<tr><th>{escape(f.replace('_', ' '))}</th><td>{_cell(case.get(f))}"
                   "</td></tr>" for f in fields)
    return f"<table>{rows}</table>"


def _motions(motions: list[JSON]) -> str:
    if not motions:
        return '<p class="muted">None.</p>'
    parts = []
    for motion in motions:
        tally = motion["tally"]
        parts.append(
            f"<h3>Motion {escape(motion['id'])} — {escape(motion['status'])}</h3>"
            f"<p class=\"quote\">{escape(motion['text'])}</p>"
            f"<p>Proposed by {_cell(motion['proposed_by'])} on {_cell(motion['opened_at'])}; "
            f"counted: yes {tally['yes']}, no {tally['no']}, abstain {tally['abstain']} "
            f"(quorum {tally['quorum']}, {'met' if tally['quorum_met'] else 'not met'}; "
            f"{'carried' if tally['carried'] else 'did not carry'}).</p>"
            + (f"<p>Overruled by {_cell(motion['overruled_by'])}: "
               f"{_cell(motion['overrule_reason'])}</p>" if motion.get("overruled_by") else "")
            + _table(motion["votes"], ("voter", "choice", "cast_at", "counted",
                                       "why_not_counted")))
    return "".join(parts)


def render(document: JSON) -> str:
    case = document["case"]
    title = f"Case file {case['id']}"
    sections = [f"<h2>{escape(label)}</h2>{_table(document[key], columns)}"
                for key, label, columns in _SECTIONS]
    evidence = _table(document["evidence"], ("subject_type", "subject_id", "kind",
                                              "position", "author", "sent_at", "text",
                                              "attachments"))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<p class=\"muted\">Generated {escape(document['generated_at'])}. Confidential: "
        "for the people the Review Protocols entrust with this case. Personal information "
        "in kept messages is masked; anonymous reporters appear by pseudonym only.</p>"
        f"<h2>Case</h2>{_facts(case)}"
        f"<h2>Timeline</h2>{_table(document['timeline'], ('at', 'event', 'ref'))}"
        + "".join(sections[:2])
        + f"<h2>Evidence (kept messages, masked)</h2>{evidence}"
        + sections[2] + f"<h2>Motions and votes</h2>{_motions(document['motions'])}"
        + "".join(sections[3:]) + "</body></html>\n")
