"""The project agreement (项目协议书) as an A4 PDF with the embedded CJK font of the ranking
PDF. Pure: data in, bytes out. Deterministic (ReportLab's `invariant`: no creation time or
random document id), so the same agreement gives the same bytes, and the SHA-256 the group
saw on the page is the one of the document it signs. Every text goes in through
`core.pdf.paragraph`: names and titles are people's own text, not ReportLab markup."""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from marketplace.core.pdf import cjk_font, paragraph


@dataclass(frozen=True)
class AgreementDocument:
    title: str
    number: str                       # e.g. "XY-2026-0007"
    paragraphs: Sequence[str]         # the round's text with its fields filled in
    parties: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (label, value)
    signature_lines: Sequence[str] = field(default_factory=tuple)
    footer: str = ""


def render_agreement(document: AgreementDocument, font_path: str | None) -> bytes:
    font = cjk_font(font_path)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=18 * mm, bottomMargin=18 * mm, title=document.title,
                            invariant=1)
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=26, alignment=1)
    small = ParagraphStyle("s", fontName=font, fontSize=9, leading=13, alignment=1,
                           textColor=colors.grey)
    body = ParagraphStyle("b", fontName=font, fontSize=11, leading=18, wordWrap="CJK",
                          spaceAfter=6)
    cell = ParagraphStyle("c", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    story = [paragraph(document.title, title), paragraph(document.number, small),
             Spacer(1, 6 * mm)]
    if document.parties:
        table = Table([[paragraph(k, cell), paragraph(v, cell)] for k, v in document.parties],
                      colWidths=[40 * mm, 130 * mm])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                   ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story += [table, Spacer(1, 6 * mm)]
    story += [paragraph(p, body) for p in document.paragraphs]
    if document.signature_lines:
        story.append(Spacer(1, 10 * mm))
        story += [paragraph(line, body) for line in document.signature_lines]
    if document.footer:
        story += [Spacer(1, 6 * mm), paragraph(document.footer, small)]
    doc.build(story)
    return out.getvalue()
