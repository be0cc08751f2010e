"""The micro-credential specification as one plain value: what the worksheet fills in, element by element, and
what the exports (PDF, ELM v3 JSON-LD, Open Badges 3.0) read. Elements follow Annex I of the Council
Recommendation of 16 June 2022 on micro-credentials (2022/C 243/02); the learner's identification and the date
of issuing are filled in at award time by the school's credential platform, so the specification leaves them
as fields.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Choices (stored as these codes; the chat and the PDF show them in the user's language via the locales).
ASSESSMENTS = ("written_test", "oral_exam", "practical_demonstration", "project", "portfolio", "online_quiz")
PARTICIPATION = ("online", "onsite", "blended")
SUPERVISION = ("unsupervised_no_id", "supervised_no_id", "supervised_with_id")
STACKABILITY = ("standalone", "stackable")
EQF_LEVELS = tuple(range(1, 9))
HOURS_PER_ECTS = (25, 30)  # one ECTS credit is 25-30 hours of notional workload (ECTS Users' Guide)


@dataclass
class Outcome:
    """A learning outcome ("The learner can ..."), with the ESCO skills it relates to (URI and label)."""

    text: str
    esco: list[dict[str, str]] = field(default_factory=list)  # [{"uri": ".../esco/skill/...", "label": "..."}]


@dataclass
class Spec:
    """A micro-credential's specification in ``language`` (the language it is written in). ``None`` or empty:
    not filled in yet."""

    language: str
    title: str = ""
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2 of the issuer, e.g. ["FR"]
    region: str = ""  # optional region of the issuer
    awarding_body: str = ""
    awarding_body_url: str = ""
    outcomes: list[Outcome] = field(default_factory=list)
    workload_hours: int | None = None
    ects: float | None = None
    eqf_level: int | None = None  # 1-8, or None where not applicable
    assessment: str = ""  # one of ASSESSMENTS
    participation: str = ""  # one of PARTICIPATION
    quality_assurance: str = ""  # free text: the type of quality assurance (e.g. internal QA of the school)
    prerequisites: str = ""  # optional
    supervision: str = ""  # optional, one of SUPERVISION
    grading: str = ""  # optional: how the grade is given (e.g. "pass/fail", "1-10")
    stackability: str = ""  # optional, one of STACKABILITY
    stackable_towards: str = ""  # optional: the credential it counts towards when stackable
    further_information: str = ""  # optional

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Spec:
        values = dict(data)
        values["outcomes"] = [Outcome(**o) for o in values.get("outcomes") or []]
        return cls(**values)
