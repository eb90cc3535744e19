"""An award's statement (项目资金对账单) as an A4 PDF with Chinese text: pure, data in, bytes
out. Every text goes through `core.pdf.paragraph` (titles are the applicants' own text)."""
from __future__ import annotations

import io
from dataclasses import dataclass

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from marketplace.core.money import format_yuan
from marketplace.core.pdf import cjk_font, paragraph
from marketplace.core.timeutil import to_local, utcnow


@dataclass(frozen=True)
class Statement:
    title: str
    lines: list[tuple[str, str]]
    header: list[str]
    rows: list[list[str]]


def statement_data(data: dict) -> Statement:
    award = data["award"]
    application = award.application
    figures = data["figures"]
    lines = [(_("项目名称"), application.title), (_("申报组织"), application.organisation.name),
             (_("年度项目"), award.round.title), (_("立项金额"), format_yuan(figures.amount)),
             (_("已承诺"), format_yuan(figures.committed)),
             (_("已下达"), format_yuan(figures.released)),
             (_("已拨付（扣除退回）"), format_yuan(figures.paid)),
             (_("已退回"), format_yuan(figures.returned)),
             (_("生成时间"), to_local(utcnow()).strftime("%Y-%m-%d %H:%M"))]
    header = [_("期次"), _("金额"), _("状态"), _("拨付日期"), _("凭证号"), _("拨付金额")]
    rows = []
    for row in data["rows"]:
        t = row["tranche"]
        first = [str(t.index), format_yuan(t.amount), row["state"].label]
        if not row["payments"]:
            rows.append(first + ["", "", ""])
        for n, p in enumerate(row["payments"]):
            rows.append((first if n == 0 else ["", "", ""])
                        + [p.paid_on.isoformat(), p.voucher_number, format_yuan(p.amount)])
    for r in data["returns"]:
        rows.append([_("退回"), "", "", r.received_on.isoformat(), r.reason[:60],
                     "-" + format_yuan(r.amount)])
    return Statement(_("项目资金对账单"), lines, header, rows)


def render_statement(statement: Statement, font_path: str | None) -> bytes:
    font = cjk_font(font_path)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=statement.title)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    story = [paragraph(statement.title, ParagraphStyle("t", fontName=font, fontSize=16,
                                                       leading=22)), Spacer(1, 4 * mm)]
    facts = Table([[paragraph(k, cell), paragraph(v, cell)] for k, v in statement.lines],
                  colWidths=[40 * mm, 130 * mm])
    facts.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
    story += [facts, Spacer(1, 6 * mm)]
    data = [[paragraph(h, cell) for h in statement.header]]
    data += [[paragraph(v, cell) for v in row] for row in statement.rows]
    table = Table(data, colWidths=[18 * mm, 30 * mm, 24 * mm, 28 * mm, 40 * mm, 30 * mm],
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
    ]))
    story.append(table)
    doc.build(story)
    return out.getvalue()
