"""A case as an accessible post card (HTML) in a notebook."""

from __future__ import annotations

import html
from typing import Any

from ..case_schema import SAFE_HARBOR_CATEGORIES, AssessmentCase, AuthorRole, Case
from ..markup import card_html
from ..scoring import VERDICTS
from .bank import get


_ROLE_LABEL = {
    AuthorRole.preclinical_student: "a pre-clinical medical student",
    AuthorRole.clinical_student: "a clinical medical student",
    AuthorRole.resident: "a resident physician",
    AuthorRole.attending: "an attending physician",
    AuthorRole.nurse: "a nurse",
    AuthorRole.patient: "a patient",
}


def render(case: Case | AssessmentCase | str, *, show_identifiers: bool = False, show_notes: bool = False,
           show_title: bool = True) -> str:
    """A case as a self-contained HTML post card (no external assets; readable without colour).

    ``show_identifiers`` marks each identifier with a highlight *and* a bracketed label naming its
    Safe Harbor category; ``show_notes`` adds verdict, teaching points and the better alternative;
    ``show_title=False`` hides the case title (titles of teaching cases may hint at the verdict).
    """
    if isinstance(case, str):
        case = get(case)
    if isinstance(case, AssessmentCase):
        show_identifiers = show_notes = False  # its key is not in the package
    text = case.text
    if show_identifiers and case.identifiers:
        parts, pos = [], 0
        for ident in sorted(case.identifiers, key=lambda i: i.start):
            if ident.start < pos:
                continue
            label = f"identifier ({ident.category}: {SAFE_HARBOR_CATEGORIES[ident.category]})"
            parts.append(html.escape(text[pos:ident.start]))
            parts.append(f"<mark style='background:#ffe08a;color:inherit;border-bottom:2px solid #7a5c00' "
                         f"title='{html.escape(label)}'>{html.escape(ident.text)}</mark>"
                         f"<small> [{ident.category}]</small>")
            pos = ident.end
        parts.append(html.escape(text[pos:]))
        body = "".join(parts)
    else:
        body = html.escape(text)
    body = body.replace("\n", "<br>")
    role = _ROLE_LABEL[case.author_role]
    initials = "".join(w[0] for w in case.author_role.value.replace("-", " ").split()[:2]).upper()
    kind = "Scenario" if case.kind == "scenario" else "Post"
    title = (f"<div style='font-weight:600;margin:6px 0 2px'>{html.escape(case.title)}</div>"
             if show_title else "")
    notes = ""
    if show_notes:
        verdict = VERDICTS[case.verdict.value]
        points = "".join(f"<li>{html.escape(p)}</li>" for p in case.teaching_points)
        notes = (f"<hr style='border:0;border-top:1px solid #bbb'><p><strong>Verdict:</strong> {verdict} "
                 f"(severity {int(case.severity)} of 4)</p><p><strong>Teaching points:</strong></p><ul>{points}</ul>"
                 f"<p><strong>Better:</strong> {html.escape(case.better_alternative)}</p>")
    label = f"{kind} {case.id}{': ' + case.title if show_title else ''}"
    return card_html(label, (
        "<div style='display:flex;align-items:center;gap:10px'>"
        "<span aria-hidden='true' style='display:inline-flex;align-items:center;justify-content:center;"
        "width:36px;height:36px;border-radius:50%;border:1px solid #777;font-weight:700;font-size:85%'>"
        f"{initials}</span><span><strong>{html.escape(role[0].upper() + role[1:])}</strong><br>"
        f"<small>{kind} on a {case.platform.value} &middot; fictional case {html.escape(case.id)}</small></span></div>"
        f"{title}<div style='margin-top:6px'>{body}</div>{notes}"), css_class="curriculum-case")


def show(case_id: str, **options: Any) -> None:
    """Display a case as a post card in a notebook (see :func:`render` for options)."""
    from IPython.display import HTML, display

    display(HTML(render(case_id, **options)))


