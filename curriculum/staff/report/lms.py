"""Grade files that Canvas and Moodle import."""

from __future__ import annotations

import pandas as pd

from .gradebook import NO_SUBMISSION


def _lms_grade(row: pd.Series) -> float | str:
    return "" if row["status"] == NO_SUBMISSION or pd.isna(row["total"]) else round(float(row["total"]), 2)


def canvas_frame(table: pd.DataFrame, column: str, points: float,
                 points_possible_row: bool = True) -> tuple[pd.DataFrame, list[str]]:
    """A Canvas gradebook import: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``
    and one grade column named ``column``; and the warnings for the person importing it.

    Canvas matches a row by its Canvas user id (``ID``, nbgrader's ``lms_user_id``), then by the
    SIS ids, then by the name ("Last, First"); ``SIS Login ID`` holds the nbgrader student id. The
    optional second row ``Points Possible`` gives the points a new assignment gets. A student with
    no submission gets an empty cell, which Canvas leaves unchanged.
    """
    rows = []
    for _, r in table.iterrows():
        name = ", ".join(x for x in (r["last_name"], r["first_name"]) if x) or r["student"]
        rows.append({"Student": name, "ID": r["lms_user_id"] or "", "SIS User ID": "",
                     "SIS Login ID": r["student"], "Section": "", column: _lms_grade(r)})
    frame = pd.DataFrame(rows, columns=["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column])
    if points_possible_row:
        head = pd.DataFrame([{"Student": "Points Possible", "ID": "", "SIS User ID": "", "SIS Login ID": "",
                              "Section": "", column: round(float(points), 2)}])
        frame = pd.concat([head, frame], ignore_index=True)
    return frame, _missing(table, "lms_user_id", "canvas.csv: {n} student(s) have no LMS user id in the gradebook: "
                           "{who}. Canvas will match them by SIS login id or name only; add the id with `nbgrader "
                           "db student add STUDENT --lms-user-id=ID` (with their names) and run the report again.")


def moodle_frame(table: pd.DataFrame, column: str) -> tuple[pd.DataFrame, list[str]]:
    """A Moodle grade import (Grades > Import > CSV file): names, ``Username`` (the nbgrader student
    id), ``Email address`` and one grade column; and the warnings for the person importing it.

    In Moodle's import map from "Email address" to "useremail" (or "Username" to "username") and
    the grade column to the grade item. A student with no submission gets an empty cell.
    """
    rows = [{"First name": r["first_name"], "Last name": r["last_name"], "Username": r["student"],
             "Email address": r["email"], column: _lms_grade(r)} for _, r in table.iterrows()]
    frame = pd.DataFrame(rows, columns=["First name", "Last name", "Username", "Email address", column])
    return frame, _missing(table, "email", "moodle.csv: {n} student(s) have no email address in the gradebook: "
                           "{who}. Moodle can match them only by username; add the address with `nbgrader db "
                           "student add STUDENT --email=ADDRESS` and run the report again.")


def _missing(table: pd.DataFrame, column: str, warning: str) -> list[str]:
    """``warning`` (with {n} and {who} filled in) if some students have no ``column``, else nothing."""
    missing = sorted(table.loc[table[column].fillna("") == "", "student"])
    return [warning.format(n=len(missing), who=", ".join(missing))] if missing else []
