"""Attachments: type checked by content, size limit, stored outside static/ under random
names, served as attachments with nosniff, names escaped."""
from __future__ import annotations

import io
import os
import zipfile

import pytest

from marketplace.applications import attachments
from marketplace.applications.models import Attachment
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from tests.factories import make_application

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def office(kind: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return out.getvalue()


@pytest.fixture
def application(member, organisation, open_round):
    return make_application(open_round, organisation)


@pytest.mark.parametrize("name, data", [
    ("方案.pdf", PDF), ("照片.PNG", PNG), ("照片.jpeg", JPG), ("预算.docx", office("docx")),
    ("预算.xlsx", office("xlsx")),
])
def test_allowed_types_are_stored_under_a_random_name(app, member, application, name, data):
    attachment = attachments.add_attachment(member, application, name, data)
    db.session.commit()
    assert attachment.original_name == name
    assert len(attachment.stored_name) == 32 and name not in attachment.stored_name
    path = attachments.attachment_path(attachment)
    assert path.startswith(app.config["UPLOAD_FOLDER"]) and "static" not in path
    with open(path, "rb") as f:
        assert f.read() == data


@pytest.mark.parametrize("name, data", [
    ("renamed.pdf", PNG),                       # a PNG renamed .pdf
    ("page.png", b"<html><script>alert(1)</script></html>"),  # HTML named .png
    ("fake.docx", plain_zip()),                 # a zip without [Content_Types].xml
    ("sheet.docx", office("xlsx")),             # an XLSX named .docx
    ("script.exe", b"MZ\x90\x00"),
    ("noext", PDF),
])
def test_content_not_matching_an_allowed_type_is_refused(member, application, name, data):
    with pytest.raises(NotAllowed, match="内容与类型不符"):
        attachments.add_attachment(member, application, name, data)


def test_a_file_over_10_mb_is_refused(member, application):
    big = PDF + b"0" * (attachments.MAX_ATTACHMENT_BYTES - len(PDF) + 1)
    with pytest.raises(NotAllowed, match="10 MB"):
        attachments.add_attachment(member, application, "big.pdf", big)


def test_a_file_of_exactly_10_mb_is_accepted(member, application):
    data = PDF + b"0" * (attachments.MAX_ATTACHMENT_BYTES - len(PDF))
    assert attachments.add_attachment(member, application, "ok.pdf", data).size == len(data)


def test_directories_in_the_name_are_dropped(member, application):
    attachment = attachments.add_attachment(member, application, "..\\..\\etc/方案.pdf", PDF)
    assert attachment.original_name == "方案.pdf"


def _upload(client, application, name, data, content_type="application/pdf"):
    return client.post(f"/applications/{application.id}/attachments",
                       data={"file": (io.BytesIO(data), name, content_type)},
                       content_type="multipart/form-data")


def test_upload_through_the_page_checks_content_not_client_type(login_as, member, application):
    client = login_as(member)
    response = _upload(client, application, "x.pdf", PNG, "application/pdf")
    assert response.status_code == 302
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert "内容与类型不符" in page
    assert db.session.query(Attachment).count() == 0


def test_an_oversized_upload_gets_a_clear_message(login_as, member, application):
    client = login_as(member)
    _upload(client, application, "big.pdf", PDF + b"0" * attachments.MAX_ATTACHMENT_BYTES)
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert "超过 10 MB" in page


def test_an_upload_over_the_request_limit_answers_413(app, login_as, member, application):
    client = login_as(member)
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = _upload(client, application, "huge.pdf", PDF + b"0" * limit)
    assert response.status_code == 413


def test_download_is_an_attachment_with_nosniff_and_the_original_name(login_as, member,
                                                                      application):
    client = login_as(member)
    _upload(client, application, "项目 方案.pdf", PDF)
    attachment = db.session.query(Attachment).one()
    response = client.get(f"/applications/{application.id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.data == PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''%E9%A1%B9%E7%9B%AE%20%E6%96%B9%E6%A1%88.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"


def test_a_name_with_script_is_shown_escaped(login_as, member, application):
    client = login_as(member)
    name = "<script>alert(1)<img src=x onerror=alert(2)>.pdf"  # no "/": browsers send a basename
    _upload(client, application, name, PDF)
    assert db.session.query(Attachment).one().original_name == name
    for url in (f"/applications/{application.id}/edit", f"/applications/{application.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;img src=x onerror=alert(2)&gt;.pdf" in page


def test_members_delete_attachments_while_editable(login_as, member, application):
    client = login_as(member)
    _upload(client, application, "a.pdf", PDF)
    attachment = db.session.query(Attachment).one()
    path = attachments.attachment_path(attachment)
    client.post(f"/applications/{application.id}/attachments/{attachment.id}/delete")
    assert db.session.query(Attachment).count() == 0
    assert not os.path.exists(path)


def test_attachments_cannot_be_deleted_once_submitted(member, application):
    from marketplace.applications.models import ApplicationStatus
    from marketplace.applications.workflow import APPLICATION

    attachment = attachments.add_attachment(member, application, "a.pdf", PDF)
    APPLICATION.move(member, application, ApplicationStatus.SUBMITTED)
    with pytest.raises(NotAllowed):
        attachments.delete_attachment(member, attachment)


def _stored_files(app) -> list[str]:
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "applications")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_an_upload_rolled_back_leaves_no_file(app, member, application):
    before = _stored_files(app)
    attachment = attachments.add_attachment(member, application, "a.pdf", PDF)
    path = attachments.attachment_path(attachment)
    assert os.path.exists(path)
    db.session.rollback()
    assert not os.path.exists(path)
    assert _stored_files(app) == before


def test_a_request_failing_after_the_upload_leaves_no_file(app, login_as, member, application,
                                                             monkeypatch):
    def audit_fails(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    # The file is written, then the request fails before it commits.
    monkeypatch.setattr(attachments, "record", audit_fails)
    before = _stored_files(app)
    client = login_as(member)
    with pytest.raises(RuntimeError):
        _upload(client, application, "a.pdf", PDF)
    assert db.session.query(Attachment).count() == 0
    assert _stored_files(app) == before


def test_a_committed_upload_keeps_its_file(app, member, application):
    attachment = attachments.add_attachment(member, application, "a.pdf", PDF)
    db.session.commit()
    path = attachments.attachment_path(attachment)
    db.session.rollback()  # a later rollback does not touch what was committed
    assert os.path.exists(path)


def test_a_deleted_attachment_keeps_its_file_until_the_deletion_commits(app, member,
                                                                         application):
    attachment = attachments.add_attachment(member, application, "a.pdf", PDF)
    db.session.commit()
    path = attachments.delete_attachment(member, attachment)
    assert os.path.exists(path)
    db.session.rollback()
    assert os.path.exists(path)
    attachments.delete_attachment(member, db.session.get(Attachment, attachment.id))
    db.session.commit()
    assert not os.path.exists(path)
