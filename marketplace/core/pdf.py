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
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph


def pdf_text(value: object) -> str:
    """User text as Paragraph markup that prints it literally; line breaks are kept."""
    text = "" if value is None else str(value)
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def paragraph(value: object, style: ParagraphStyle) -> Paragraph:
    """A Paragraph showing `value` exactly as typed."""
    return Paragraph(pdf_text(value), style)


# Moved here from review/pdf.py so that funds (below review) renders the agreement with the
# same embedded font as the ranking.
_registered: dict[str, str] = {}


def cjk_font(path: str | None) -> str:
    """Register the TrueType CJK font (wqy-zenhei.ttc, first face); fall back to the
    STSong-Light CID font when the file is missing."""
    key = path or ""
    if key in _registered:
        return _registered[key]
    name = "STSong-Light"
    if path:
        try:
            pdfmetrics.registerFont(TTFont("CJK", path, subfontIndex=0))
            name = "CJK"
        except Exception:  # missing or unreadable font file
            name = "STSong-Light"
    if name == "STSong-Light":
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    _registered[key] = name
    return name
