"""Markdown typed by staff (a round's introduction, the privacy policy and terms), shown as
HTML: rendered with markdown-it (CommonMark, raw HTML off) and then sanitised with nh3 to
a short list of tags, so whatever was typed, the page gets paragraphs, emphasis, lists,
links, headings, quotes and tables, and never a script, a style or an event handler."""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "h5",
                "h6", "blockquote", "hr", "code", "pre", "table", "thead", "tbody", "tr",
                "th", "td"}

# Raw HTML is not Markdown's job here: typed tags are shown as text, not passed through.
# "linkify" needs another package; a bare address stays text, a [link](https://…) works.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")


def render_markdown(text: str | None) -> Markup:
    """Markdown → safe HTML. Headings start at h2 on the page (h1 is the page's title)."""
    html = _MARKDOWN.render(text or "")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}},
                      url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean.strip())  # noqa: S704 - sanitised by nh3 just above
