"""PrepareAnswers: the submitted answer file and the notebook's copies merged into the answers that
are graded (:func:`curriculum.answers.merge`)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from ..answers import _atomic_write, answer_file_name, merge
from .base import METADATA_KEY, CoursePreprocessor

__all__ = ["PrepareAnswers"]


class PrepareAnswers(CoursePreprocessor):
    """Write the merged answers next to the notebook before it is executed for grading."""

    def preprocess(self, nb, resources):
        notebook = (resources.get("nbgrader") or {}).get("notebook") or resources.get("unique_key")
        folder = (resources.get("metadata") or {}).get("path") or os.getcwd()
        if not notebook:
            self.log.warning("PrepareAnswers: notebook name unknown; answers not prepared")
            return nb, resources
        path = Path(folder) / answer_file_name(notebook)
        meta = nb.metadata.setdefault(METADATA_KEY, {})
        text, error = None, meta.get("answer_file_error")  # what CheckSubmission saw in submitted/
        try:
            if error is None:
                text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            error = "it is a folder, not a file"
        except UnicodeDecodeError:
            error = "it is not a text file"
        except OSError as exc:  # e.g. no permission to read it (graders running as root read it anyway)
            error = f"{exc.__class__.__name__}: {exc.strerror or exc}"
        copies = meta.get("embedded_answers") or []
        merged = merge(notebook, text, copies, file_error=error)
        if path.exists() and text is not None:
            # keep the student's file as submitted beside the merged one, for the record
            _atomic_write(path.with_name(path.name + ".submitted"), text)
        if path.is_symlink():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)  # nbgrader's working copy in autograded/, not the student's submission
        merged_text = json.dumps(merged.to_json(), indent=1, ensure_ascii=False) + "\n"
        _atomic_write(path, merged_text)
        resources[METADATA_KEY] = {"merged_answers": merged_text}  # for GradeAnswers, in this pass
        meta["answer_problems"] = {k: list(v) for k, v in merged.problems.items()}
        meta["answers_saved_at"] = {k: r.saved_at for k, r in merged.answers.items()}
        student = (resources.get("nbgrader") or {}).get("student", "student")
        for item, messages in merged.problems.items():
            for message in messages:
                where = notebook if item == "*" else f"{notebook} [{item}]"
                self.log.warning("%s, %s: %s", student, where, message)
        self.log.info("Prepared %d answers for %s", len(merged.answers), notebook)
        return nb, resources
