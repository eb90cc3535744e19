"""Applicants' text in PDFs is printed as typed, never read as ReportLab markup: no broken
export, no file from the server's disk embedded, no link injected."""
import shutil
import subprocess

import pytest
from PIL import Image

from tests.factories import (
    make_application,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_submitted_review,
)


def _squeezed(text: str) -> str:
    # pdftotext joins a word the table wrapped at a hyphen without it ("popen-" + "gw0" reads
    # "popengw0"), so hyphens are left out on both sides.
    return "".join(text.split()).replace("-", "")


@pytest.fixture
def local_png(tmp_path):
    path = tmp_path / "server-file.png"
    Image.new("RGB", (8, 8), "red").save(path)
    return str(path)


@pytest.mark.parametrize("title", [
    "<b>加粗未闭合的标题",
    '<img src="{png}"/>海岛护学',
    '<a href="javascript:alert(1)">点我</a>链接标题',
    "A & B <font size=40>大字</font> 志愿服务",
], ids=["unclosed-tag", "local-image", "javascript-link", "font-and-ampersand"])
def test_ranking_pdf_prints_applicant_markup_literally(app, login_as, local_png, title):
    title = title.format(png=local_png)
    round_ = make_review_round()
    application = make_application(round_, title=title)
    make_submitted_review(application, make_reviewer(), [15, 15, 20, 15, 10])

    response = login_as(make_organizer()).get(f"/review/rounds/{round_.id}/ranking.pdf")

    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert b"/Subtype /Image" not in response.data
    assert b"/URI" not in response.data and b"javascript" not in response.data
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True,
                              check=True).stdout.decode()
        assert _squeezed(title) in _squeezed(text)


def test_pdf_text_escapes_markup_and_keeps_line_breaks():
    from marketplace.core.pdf import pdf_text

    assert pdf_text('<img src="/etc/x.png"/> & <b>') == \
        '&lt;img src="/etc/x.png"/&gt; &amp; &lt;b&gt;'
    assert pdf_text("第一行\r\n第二行") == "第一行<br/>第二行"
    assert pdf_text(None) == ""
