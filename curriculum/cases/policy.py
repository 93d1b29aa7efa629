"""The case bank's rules: enough cases per domain, invented names and brands only, cited guidelines."""

from __future__ import annotations

import re

from ..case_schema import MAIN_DOMAINS
from .bank import CaseBank
from .files import invented_names


#: Real people named in the course's sources: no case may use these names.
REAL_NAMES = (
    "Igbinadolor", "Tatro", "Chretien", "Greysen", "Mostaghimi", "Crotty", "Farnan", "Kaestner", "Knopf",
    "Teami", "Elite Dental", "New Vision Dental", "Manasa", "NewYork-Presbyterian", "Stupple", "astupple",
)


#: Named by no lesson, even in its Sources: FACTS.md names this practice only as "a North Carolina
#: dental practice" (checked by :mod:`curriculum.staff.lessontext`).
NEVER_IN_LESSONS = ("Igbinadolor",)

#: Parties of an enforcement case: named once, in the citation (a lesson's Sources cell); the lesson
#: text describes them ("a detox-tea seller").
SOURCES_ONLY = ("Teami",)


#: Real brands that invented ones once matched by accident: no case or lesson may use them (the first
#: four were the names of real companies' products; see the README's "The case bank").
REAL_BRANDS = ("SnoozeShade", "BrightLoop", "ClearPath", "CoreMotion")


def real_brand(text: str) -> str | None:
    """The first of :data:`REAL_BRANDS` named in ``text`` (as a word, in any case), or None."""
    for brand in REAL_BRANDS:
        if re.search(rf"\b{re.escape(brand)}\b", text, re.IGNORECASE):
            return brand
    return None


#: Real platforms and their tell-tale hashtags: cases use generic platforms (see Platform).
PLATFORM_BRANDS = re.compile(
    r"tiktok|instagram|twitter|facebook|youtube|linkedin|reddit|snapchat|whatsapp|#\w*tok\b|#\w*gram\b",
    re.IGNORECASE,
)


def check_bank(b: CaseBank | None = None, *, minimum: int = 60, per_main_domain: int = 15,
               good_practice: int = 10, platforms: int = 5) -> list[str]:
    """Everything wrong with the case bank as a whole (empty list: all good)."""
    b = b or CaseBank.load(use_env=False)
    problems = [str(p) for p in b.problems]
    cases = list(b.cases.values())
    names = invented_names()
    for case in cases:
        if not b.origin.get(case.id, "").startswith("built-in"):
            continue  # instructors' own cases: schema-checked on load; their names are theirs to vouch for
        everything = " ".join([case.title, case.text, case.better_alternative, *case.teaching_points])
        for person in case.names:
            if person not in names:
                problems.append(f"{case.id}: name {person!r} is not in curriculum/data/invented_names.yaml")
            if not any(len(part) > 2 and part.lower() in everything.lower() for part in person.split()):
                problems.append(f"{case.id}: name {person!r} is listed but not used in the case")
        for ident in case.identifiers:
            known = " ".join(case.names).lower()
            if ident.category == "A" and not any(part.strip(".,").lower() in known for part in ident.text.split()):
                problems.append(f"{case.id}: name identifier {ident.text!r} is not among the case's invented names")
        blob = everything.lower()
        brand = PLATFORM_BRANDS.search(everything)
        if brand:
            problems.append(f"{case.id}: names a real platform ({brand.group()!r}); use a generic platform")
        for real in REAL_NAMES:
            if real.lower() in blob:
                problems.append(f"{case.id}: uses the name of a real person or company ({real!r})")
        if real_brand(everything):
            problems.append(f"{case.id}: names a real brand ({real_brand(everything)!r}); invent one")
    for case in b.assessment.values():
        if not b.origin.get(case.id, "").startswith("built-in"):
            continue
        for person in case.names:
            if person not in names:
                problems.append(f"{case.id}: name {person!r} is not in curriculum/data/invented_names.yaml")
        brand = PLATFORM_BRANDS.search(case.title + " " + case.text)
        if brand:
            problems.append(f"{case.id}: names a real platform ({brand.group()!r}); use a generic platform")
        for real in REAL_NAMES:
            if real.lower() in (case.title + " " + case.text).lower():
                problems.append(f"{case.id}: uses the name of a real person or company ({real!r})")
        if real_brand(case.title + " " + case.text):
            problems.append(f"{case.id}: names a real brand ({real_brand(case.title + ' ' + case.text)!r}); invent one")
    if len(cases) < minimum:
        problems.append(f"the bank has {len(cases)} cases; at least {minimum} are needed")
    for domain in MAIN_DOMAINS:
        n = sum(domain in c.domains for c in cases)
        if n < per_main_domain:
            problems.append(f"domain {domain.value!r} has {n} cases; at least {per_main_domain} are needed")
    n_good = sum(c.good_practice for c in cases)
    if n_good < good_practice:
        problems.append(f"{n_good} good-practice cases; at least {good_practice} are needed")
    n_platforms = len({c.platform for c in cases})
    if n_platforms < platforms:
        problems.append(f"cases use {n_platforms} platforms; at least {platforms} are needed")
    return problems
