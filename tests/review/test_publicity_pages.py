"""The public 公示 pages (issue 11, point 23): document number and supervision phone from the
round's settings, a total row, titles linking to a public project summary, a printable PDF
with the CJK font embedded, and a notice once the 公示 has ended."""
from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.review import publicity as review_publicity
from marketplace.review.models import Publicity
from tests.factories import make_application, make_review_round
from tests.review.test_publicity import _round_in_publicity


def _with_details(round_):
    round_.document_number = "团舟委〔2026〕12号"
    round_.supervision_phone = "0580-2022000"
    db.session.commit()


def test_the_publicity_carries_its_document_number_and_supervision_phone(app, client):
    _, round_, _, _, _, _ = _round_in_publicity()
    _with_details(round_)
    html = client.get(f"/publicity/{round_.id}").get_data(as_text=True)
    assert "团舟委〔2026〕12号" in html
    assert 'href="tel:0580-2022000"' in html


def test_the_publicity_list_ends_with_a_total_row(app, client):
    organizer, round_, _, approved, _, _ = _round_in_publicity()
    html = client.get(f"/publicity/{round_.id}").get_data(as_text=True)
    total = html.split('data-testid="publicity-total"', 1)[1].split("</tr>", 1)[0]
    assert "合计（1 个项目）" in total and "¥30,000.00" in total


def test_titles_link_to_a_public_summary_without_private_details(app, client):
    _, round_, _, approved, _, _ = _round_in_publicity()
    award = review_publicity.approved_awards(round_)[0]
    html = client.get(f"/publicity/{round_.id}").get_data(as_text=True)
    link = f"/publicity/{round_.id}/projects/{award.id}"
    assert f'href="{link}"' in html
    summary = client.get(link)
    text = summary.get_data(as_text=True)
    assert summary.status_code == 200 and approved.title in text and approved.summary in text
    assert "¥30,000.00" in text
    assert approved.organisation.contact_phone not in text  # no phone numbers, no budget
    assert "预算明细" not in text


def test_a_summary_of_a_project_not_on_the_list_is_not_found(app, client):
    _, round_, _, _, waiting, _ = _round_in_publicity()
    other = make_review_round()
    award = review_publicity.approved_awards(round_)[0]
    assert client.get(f"/publicity/{other.id}/projects/{award.id}").status_code == 404
    assert client.get(f"/publicity/{round_.id}/projects/999999").status_code == 404


def test_the_printable_publicity_is_a_pdf_with_the_list_the_total_and_the_details(app, client,
                                                                                 tmp_path):
    _, round_, _, approved, _, _ = _round_in_publicity()
    _with_details(round_)
    response = client.get(f"/publicity/{round_.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.mimetype == "application/pdf"
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) not installed")
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True,
                          check=True).stdout.decode()
    squeezed = "".join(text.split())
    for expected in ("拟立项项目公示", "团舟委〔2026〕12号", approved.title, "合计（1个项目）",
                     "¥30,000.00", "监督电话：0580-2022000"):
        assert expected in squeezed, expected
    path = tmp_path / "publicity.pdf"
    path.write_bytes(response.data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True,
                           text=True).stdout.splitlines()[2:]
    # The Chinese text is set in an embedded font (emb = yes), readable anywhere it is printed.
    assert any("Helvetica" not in line and line.split()[-5] == "yes" for line in fonts), fonts


def test_after_finalising_the_publicity_says_it_has_ended(app, client):
    organizer, round_, publicity, _, _, _ = _round_in_publicity()
    assert 'data-testid="publicity-ended"' not in client.get(
        f"/publicity/{round_.id}").get_data(as_text=True)
    review_publicity.finalise_round(organizer, round_,
                                    now=publicity.ends_at + timedelta(minutes=1))
    db.session.commit()
    html = client.get(f"/publicity/{round_.id}").get_data(as_text=True)
    assert 'data-testid="publicity-ended"' in html and "已正式立项" in html
    assert "公示已结束" in client.get("/publicity/").get_data(as_text=True)


def test_the_home_page_shows_the_latest_publicity(app, client):
    _, round_, _, _, _, _ = _round_in_publicity()
    html = client.get("/").get_data(as_text=True)
    latest = html.split('data-testid="latest-publicity"', 1)[1].split("</section>", 1)[0]
    assert f'href="/publicity/{round_.id}"' in latest and round_.title in latest
    assert db.session.query(Publicity).count() == 1


def test_a_draft_of_no_concern_to_the_publicity_does_not_show(app, client):
    round_ = make_review_round()
    make_application(round_)
    assert "latest-publicity" not in client.get("/").get_data(as_text=True)
