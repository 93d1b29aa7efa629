"""``python -m curriculum.cli``: the ``curriculum`` command under its first name (it lives in
:mod:`curriculum.staff.cli`)."""

import sys

from .staff.cli import main

__all__ = ["main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
