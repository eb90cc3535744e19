"""The ranking table (评审汇总表) as an A4 landscape PDF with Chinese text. Pure: data in,
bytes out. Every text goes in through `core.pdf.paragraph`: titles are the applicants' own
text and must not be read as ReportLab markup."""
from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from marketplace.core.pdf import cjk_font, paragraph

__all__ = ["cjk_font", "render_ranking"]  # cjk_font: its home is core/pdf.py


def render_ranking(title: str, subtitle: str, header: Sequence[str],
                   rows: Sequence[Sequence[str]], font_path: str | None) -> bytes:
    font = cjk_font(font_path)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=12 * mm,
                            rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title=title)
    cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    story = [paragraph(title, ParagraphStyle("t", fontName=font, fontSize=16, leading=22)),
             paragraph(subtitle, ParagraphStyle("s", fontName=font, fontSize=10, leading=14,
                                                textColor=colors.grey)),
             Spacer(1, 4 * mm)]
    data = [[paragraph(h, cell) for h in header]]
    data += [[paragraph(v, cell) for v in row] for row in rows]
    widths = [12 * mm, 70 * mm, 22 * mm, 18 * mm, 24 * mm, 28 * mm, 28 * mm, 28 * mm, 26 * mm]
    table = Table(data, colWidths=widths[:len(header)], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story.append(table)
    doc.build(story)
    return out.getvalue()
