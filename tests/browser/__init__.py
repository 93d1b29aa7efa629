"""Helpers of the browser tests (tests/test_browser.py): a JupyterLab server, Debian's chromium driven
by Playwright, and the code that answers the course's exercise widgets by mouse or keyboard.

``package.json`` / ``package-lock.json`` here pin axe-core (the accessibility checker injected into
the page); ``python3 tasks.py test`` runs ``npm ci`` here when ``node_modules`` is missing.
"""
