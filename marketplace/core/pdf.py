"""Text for ReportLab PDFs.

ReportLab's `Paragraph` reads its text as markup: `<b>`, `<font>`, `<img src=...>` (which
embeds a file from the server's disk or a URL), `<a href=...>` (any link, `javascript:`
included). Text a user typed — titles, names, comments — must reach it escaped, so that it is
printed as typed and never interpreted. Every PDF builds its paragraphs with `paragraph`, or
passes user text through `pdf_text` when it assembles markup of its own.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph


def pdf_text(value: object) -> str:
    """User text as Paragraph markup that prints it literally; line breaks are kept."""
    text = "" if value is None else str(value)
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def paragraph(value: object, style: ParagraphStyle) -> Paragraph:
    """A Paragraph showing `value` exactly as typed."""
    return Paragraph(pdf_text(value), style)
