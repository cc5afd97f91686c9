"""Model descriptions arrive as creator-written HTML: keep it safe to show, and make a text form."""

from __future__ import annotations

import html as html_lib
import re

import nh3

_ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
# A line break where a block element starts or ends keeps paragraphs apart in the text form.
_BLOCK_BOUNDARY = re.compile(r"</?(?:p|br|li|div|h[1-6]|tr|hr|pre|blockquote)\b[^>]*>", re.I)
# Safe on sanitised HTML only: every tag left is well-formed, so a regex strips it exactly.
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")

MAX_DESCRIPTION_CHARS = 200_000


def sanitize_html(html: str) -> str:
    """Creator HTML with scripts, handlers and unsafe URLs removed; links open safely."""
    return nh3.clean(
        html[:MAX_DESCRIPTION_CHARS],
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(sanitised_html: str) -> str:
    """Visible text of HTML that `sanitize_html` already cleaned, for search and embeddings."""
    with_breaks = _BLOCK_BOUNDARY.sub("\n", sanitised_html)
    text = html_lib.unescape(_TAG.sub("", with_breaks)).replace("\xa0", " ")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
