"""The 公示 as a printable A4 PDF with Chinese text (the CJK font embedded). Pure: data in,
bytes out. Every text goes in through `core.pdf.paragraph`: titles and names are the
applicants' own text and must not be read as ReportLab markup."""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from marketplace.core.pdf import paragraph
from marketplace.review.pdf import cjk_font


@dataclass(frozen=True)
class PublicityDocument:
    """Everything printed, already in the reader's language and format."""

    title: str
    document_number: str          # 文号, printed under the title when set
    lines: Sequence[str]          # paragraphs above the table (period, how to object)
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    total_row: Sequence[str]
    footer: Sequence[str]         # supervision phone, the issuer, the date


def render_publicity(document: PublicityDocument, font_path: str | None) -> bytes:
    font = cjk_font(font_path)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=document.title)
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=24, alignment=TA_CENTER)
    number = ParagraphStyle("n", fontName=font, fontSize=10.5, leading=16,
                            alignment=TA_CENTER)
    body = ParagraphStyle("b", fontName=font, fontSize=10.5, leading=17, firstLineIndent=21,
                          wordWrap="CJK")
    cell = ParagraphStyle("c", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    right = ParagraphStyle("r", parent=cell, alignment=TA_RIGHT)
    sign = ParagraphStyle("s", fontName=font, fontSize=10.5, leading=17, alignment=TA_RIGHT)

    story = [paragraph(document.title, title)]
    if document.document_number:
        story.append(paragraph(document.document_number, number))
    story.append(Spacer(1, 4 * mm))
    story += [paragraph(line, body) for line in document.lines]
    story.append(Spacer(1, 3 * mm))

    last = len(document.header) - 1
    data = [[paragraph(h, cell) for h in document.header]]
    data += [[paragraph(v, right if i == last else cell) for i, v in enumerate(row)]
             for row in document.rows]
    data.append([paragraph(v, right if i == last else cell)
                 for i, v in enumerate(document.total_row)])
    widths = [12 * mm, 58 * mm, 42 * mm, 20 * mm, 26 * mm, 22 * mm][:len(document.header)]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f8f9fa")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story += [table, Spacer(1, 6 * mm)]
    story += [paragraph(line, sign) for line in document.footer]
    doc.build(story)
    return out.getvalue()
