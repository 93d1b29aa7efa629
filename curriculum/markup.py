"""Small HTML helpers shared by the widgets (in a student's kernel) and the static answer views (in
grading): one place for how a post, a prompt and an option label become HTML. No ipywidgets here,
so grading can use them without loading the widget library."""

from __future__ import annotations

import html
from functools import cache, lru_cache

__all__ = ["card_html", "markdown_html", "option_label", "post_card_html", "text_html"]


def text_html(text: str) -> str:
    """Literal text (a post) to HTML: escaped, with its paragraphs and line breaks kept."""
    paragraphs = [p.replace("\n", "<br>") for p in html.escape(text.strip()).split("\n\n")]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


@cache
def _markdown():
    import mistune

    return mistune.create_markdown(escape=True)


@lru_cache(maxsize=1024)
def markdown_html(text: str) -> str:
    """A prompt in Markdown to HTML; raw HTML in it is shown as text, not run."""
    return _markdown()(text.strip())


def option_label(key: str, text: str) -> str:
    """How an option is labelled everywhere: ``b) text``."""
    return f"{key}) {text}"


def card_html(label: str, inner: str, css_class: str = "curriculum-card") -> str:
    """The one frame of every post card (a case-bank case, or a post given as text): an article named
    ``label`` for screen readers, a border, readable without colour. The classes keep JupyterLab's
    MathJax out of the card: "$140,000 ... $100" is money, not LaTeX. ``inner`` is HTML already."""
    return (f"<div role='article' class='{css_class} mathjax_ignore tex2jax_ignore' aria-label='{html.escape(label)}' "
            "style='border:1px solid #999;border-radius:12px;padding:10px 14px;margin:6px 0;max-width:40em;"
            f"line-height:1.45'>{inner}</div>")


def post_card_html(text: str, title: str) -> str:
    """A post given as plain text (not a case-bank case), as a card with a title."""
    return card_html(title, f"<div><strong>{html.escape(title)}</strong></div>{text_html(text)}")
