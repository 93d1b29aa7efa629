"""The staff's side: the ``curriculum`` command and what it runs (nothing here runs in a student's
kernel or inside nbgrader's preprocessors).

- :mod:`.cli`: the command and its subcommands (``main(argv)``, callable from tests);
- :mod:`.course`: a course folder (its source, release, gradebook, nbgrader runs);
- :mod:`.validate`: ``curriculum build``'s checks of each notebook, run through nbgrader's Validator;
- :mod:`.plan` and :mod:`.sync`: the course plan, and the plan and roster written into the gradebook;
- :mod:`.grade`: ``curriculum grade``, a cohort graded by parallel workers;
- :mod:`.report`: ``curriculum report``, the gradebook read into tables, figures, LMS files, and the
  feedback's key check;
- :mod:`.simulate`: simulated students (the demo, the tests, the benchmark);
- :mod:`.spreadsheet`: CSV files whose cells cannot start a formula.
"""
