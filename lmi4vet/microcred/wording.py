"""What the worksheet says in the chat, in the draft's language: each element's question (step, explanation,
example, the answer so far, the EQF descriptors, the outcomes with their ESCO skills), the checks' findings,
the list of drafts and the review against the ten principles. Texts only: the buttons are the chat's."""

from __future__ import annotations

from babel.dates import format_date

from lmi4vet.i18n import t
from lmi4vet.microcred import checks
from lmi4vet.microcred import elements as el
from lmi4vet.microcred.checks import Answer, Issue
from lmi4vet.microcred.models import Draft
from lmi4vet.microcred.spec import EQF_LEVELS, Spec
from lmi4vet.microcred.values import value_text

TOWARDS = "towards"  # the sub-step after "stackable": what it stacks towards
RETRY = "retry"  # asking again after an answer that was not valid: no explanation and example again


def say(lang: str, key: str, **params: object) -> str:
    """``microcred.chat.<key>`` in ``lang``."""
    return t(lang, f"microcred.chat.{key}", **params)


def element_name(lang: str, element_id: str) -> str:
    """An element's short name ("Learning outcomes")."""
    return el.explanation(lang, element_id)["name"]


def title_of(spec: Spec) -> str:
    """The draft's title, or "(no title yet)"."""
    return spec.title.strip() or say(spec.language, "untitled")


def issue_text(lang: str, kind: str, issue: Issue) -> str:
    """An error, warning or note of the checks (``kind``: errors | warnings | notes) as a sentence."""
    return say(lang, f"{kind}.{issue.code}", **issue.params)


def answer_feedback(lang: str, answer: Answer) -> list[str]:
    """The sentences an answer gets: its errors (nothing was saved), else its warnings and notes."""
    if answer.errors:
        return [issue_text(lang, "errors", issue) for issue in answer.errors]
    return [issue_text(lang, "warnings", w) for w in answer.warnings] + \
        [issue_text(lang, "notes", n) for n in answer.notes]


def step_heading(lang: str, step: str) -> str:
    """"Step 4 of 14 · Learning outcomes (mandatory)"."""
    element = el.element(step)
    return say(lang, "step", step=str(el.IDS.index(step) + 1), steps=str(len(el.IDS)),
               element=element_name(lang, step), required=say(lang, "mandatory" if element.mandatory else "optional"))


def outcome_lines(spec: Spec) -> list[str]:
    """The outcomes, numbered, each followed by its linked ESCO skills."""
    lines = []
    for number, outcome in enumerate(spec.outcomes, start=1):
        lines.append(say(spec.language, "outcome_line", number=str(number), text=outcome.text))
        if outcome.esco:
            lines.append(say(spec.language, "outcome_skills", skills="; ".join(s["label"] for s in outcome.esco)))
    return lines


def eqf_lines(lang: str) -> list[str]:
    """"4 – Broad theory, specific problems, self-managed" for each level."""
    descriptors = el.content(lang)["eqf"]
    return [say(lang, "eqf_line", level=str(level), descriptor=descriptors[level]["short"]) for level in EQF_LEVELS]


def question(spec: Spec, step: str, sub: str = "") -> str:
    """The message asking for ``step`` (see the module docstring); ``sub`` :data:`TOWARDS`: what a stackable
    micro-credential stacks towards; :data:`RETRY`: again after an invalid answer, without the explanation and
    the example (the error said what is wrong)."""
    lang = spec.language
    if sub == TOWARDS:
        return f"{step_heading(lang, step)}\n\n{say(lang, 'towards_prompt')}"
    info = el.explanation(lang, step)
    element = el.element(step)
    parts = [step_heading(lang, step)]
    if sub != RETRY:
        parts += [info["explanation"], say(lang, "example", example=info["example"])]
    if step == "eqf_level":
        parts.append("\n".join(eqf_lines(lang)))
    if step == "outcomes":
        if spec.outcomes:
            parts.append("\n".join([say(lang, "outcomes_so_far"), *outcome_lines(spec)]))
        parts.append(say(lang, "outcomes_prompt"))
        return "\n\n".join(parts)
    current = value_text(spec, step)
    if current:
        parts.append(say(lang, "current", value=current))
    parts.append(say(lang, "choose" if element.kind == el.CHOICE else "type_answer"))
    return "\n\n".join(parts)


def saved_text(spec: Spec, step: str) -> str:
    """"✓ Saved: 50 hours · 2 ECTS credits"."""
    return say(spec.language, "saved", value=value_text(spec, step))


def changed_on(draft: Draft, lang: str) -> str:
    return format_date(draft.updated_at.date(), format="medium", locale=lang)


def draft_line(number: int, draft: Draft, spec: Spec, lang: str) -> str:
    """"1. Solar PV installation · 85 % complete · changed on 3 Dec 2026"."""
    score = checks.completeness(spec)[0]
    return say(lang, "draft_line", number=str(number), title=title_of(spec), score=str(score),
               changed=changed_on(draft, lang))


def draft_status(draft: Draft, spec: Spec, lang: str) -> str:
    """Where a draft stands: its completeness and step."""
    score = checks.completeness(spec)[0]
    if draft.step not in el.IDS:
        return say(lang, "draft_status_review", title=title_of(spec), score=str(score))
    return say(lang, "draft_status", title=title_of(spec), score=str(score), step=str(el.IDS.index(draft.step) + 1),
               steps=str(len(el.IDS)), element=element_name(spec.language, draft.step))


def principle_name(lang: str, principle: str) -> str:
    """A principle's name: the part before the colon of its text in the content ("Quality")."""
    return el.content(lang)["principles"][principle].split(":", 1)[0].strip()


def review(spec: Spec) -> str:
    """Completeness, the elements still missing, and the ten principles (met, or what needs attention)."""
    lang = spec.language
    score, missing, missing_optional = checks.completeness(spec)
    parts = [say(lang, "review_heading", title=title_of(spec), score=str(score))]
    if missing:
        parts.append(say(lang, "missing_mandatory", elements=", ".join(element_name(lang, e) for e in missing)))
    if missing_optional:
        parts.append(say(lang, "missing_optional",
                         elements=", ".join(element_name(lang, e) for e in missing_optional)))
    lines = [say(lang, "principles_heading")]
    for finding in checks.review(spec):
        key = "principle_met" if finding.status == checks.MET else "principle_attention"
        lines.append(say(lang, key, principle=principle_name(lang, finding.principle),
                         reason=say(lang, f"reasons.{finding.reason}")))
    parts.append("\n".join(lines))
    return "\n\n".join(parts)
