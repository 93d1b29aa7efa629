"""The schema of a case in the case bank (pydantic). One case is one fictional post or scenario.

A case file is YAML: a mapping with a ``cases`` list (see ``curriculum/data/cases/*.yaml``).
Validation errors name the file, the case id and the field (:class:`CaseFileError`).
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "AssessmentCase",
    "AuthorRole",
    "Case",
    "Domain",
    "Identifier",
    "Platform",
    "SAFE_HARBOR_CATEGORIES",
    "Severity",
    "Verdict",
]

#: Safe Harbor identifier categories, 45 CFR 164.514(b)(2)(i)(A)-(R).
SAFE_HARBOR_CATEGORIES = {
    "A": "names",
    "B": "geographic subdivisions smaller than a state",
    "C": "dates (except year) and ages over 89",
    "D": "telephone numbers",
    "E": "fax numbers",
    "F": "email addresses",
    "G": "social security numbers",
    "H": "medical record numbers",
    "I": "health plan beneficiary numbers",
    "J": "account numbers",
    "K": "certificate or licence numbers",
    "L": "vehicle identifiers and licence plates",
    "M": "device identifiers and serial numbers",
    "N": "web addresses (URLs)",
    "O": "IP addresses",
    "P": "biometric identifiers",
    "Q": "full-face photos and comparable images",
    "R": "any other unique identifying number, characteristic or code",
}


class Platform(str, Enum):
    """Generic kinds of platform: the course names no real company."""

    photo_sharing = "photo-sharing app"
    short_video = "short-video app"
    microblog = "microblog"
    professional_network = "professional network"
    social_network = "social network"
    discussion_forum = "discussion forum"
    personal_blog = "personal blog"
    messaging_group = "messaging group"
    review_site = "review site"
    video_platform = "video platform"
    podcast = "podcast"


class AuthorRole(str, Enum):
    preclinical_student = "pre-clinical student"
    clinical_student = "clinical student"
    resident = "resident"
    attending = "attending"
    nurse = "nurse"
    patient = "patient"


class Domain(str, Enum):
    privacy = "patient privacy"
    institutional = "institutional"
    personal = "personal/career"
    sponsorship = "sponsorship and endorsement"
    boundaries = "boundaries"
    misinformation = "misinformation"
    positive = "positive/advocacy use"


#: The four main risk domains, each needing at least 15 cases.
MAIN_DOMAINS = (Domain.privacy, Domain.institutional, Domain.personal, Domain.sponsorship)


class Severity(int, Enum):
    none = 0  # good practice
    low = 1
    moderate = 2
    high = 3
    severe = 4


class Verdict(str, Enum):
    fine = "fine"  # fine to post
    revise = "revise"  # revise first
    never = "never"  # never post


class Identifier(BaseModel):
    """A piece of the case text that identifies a patient, with its character span."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(gt=0)
    category: str

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in SAFE_HARBOR_CATEGORIES:
            raise ValueError(f"must be a Safe Harbor category letter A-R, not {value!r}")
        return value

    @model_validator(mode="after")
    def _span_length(self) -> Identifier:
        if self.end - self.start != len(self.text):
            raise ValueError(f"span {self.start}-{self.end} is {self.end - self.start} characters "
                             f"but the identifier {self.text!r} has {len(self.text)}")
        return self


CaseId = Annotated[str, Field(pattern=r"^[A-Z]{2,6}-\d{3}$")]


class Jurisdiction(str, Enum):
    """Whose law and guidance a case rests on; ``any`` fits every build of the course."""

    any = "any"
    us = "us"
    canada = "canada"
    uk = "uk"


class _Post(BaseModel):
    """What every case has: who posted what, where, and which risk domains it touches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=3, max_length=120)
    platform: Platform
    author_role: AuthorRole
    kind: str = Field(default="post", pattern=r"^(post|scenario)$")
    text: str = Field(min_length=10)
    domains: list[Domain] = Field(min_length=1)
    #: a case that turns on one country's law (HIPAA, PHIPA, UK GDPR...) names it; the rest fit all
    jurisdiction: Jurisdiction = Jurisdiction.any


class Case(_Post):
    """One fictional case: a post or a scenario, with what it teaches."""

    id: CaseId
    severity: Severity
    verdict: Verdict
    identifiers: list[Identifier] = Field(default_factory=list)
    guidelines: list[str] = Field(min_length=1)
    teaching_points: list[str] = Field(min_length=1)
    better_alternative: str = Field(min_length=10)
    names: list[str] = Field(default_factory=list, description="invented names of people used in the case")

    @model_validator(mode="after")
    def _spans_match_text(self) -> Case:
        for ident in self.identifiers:
            found = self.text[ident.start:ident.end]
            if found != ident.text:
                raise ValueError(f"identifier {ident.text!r} at {ident.start}-{ident.end} does not match "
                                 f"the text there ({found!r})")
        if Domain.positive in self.domains and self.severity != Severity.none:
            raise ValueError("a good-practice case (positive/advocacy use) must have severity 0 (none)")
        if self.severity == Severity.none and self.verdict != Verdict.fine:
            raise ValueError("a case with severity 0 must have the verdict 'fine'")
        return self

    @property
    def good_practice(self) -> bool:
        return Domain.positive in self.domains


class AssessmentCase(_Post):
    """A case used by a graded item. It ships with its text only: its verdict and identifiers are
    the key, which lives in the hidden test of the item that uses it (``used_by``)."""

    id: Annotated[str, Field(pattern=r"^ASMT-\d{3}$")]
    used_by: str = Field(pattern=r"^[0-9]{2}-[a-z0-9-]+/[a-z0-9-]+$", description="assignment/item that grades it")
    names: list[str] = Field(default_factory=list)

    @property
    def good_practice(self) -> bool:
        return False
