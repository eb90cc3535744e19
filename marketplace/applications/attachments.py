"""Attachments of a proposal: checked by content (the real type, whatever the name says),
limited in size, stored outside static/ under random names, removed with the transaction
that removes their row (core/files.py)."""
from __future__ import annotations

import hashlib
import os
import secrets
import zipfile
from datetime import datetime
from io import BytesIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.applications import policy
from marketplace.applications.models import Application, Attachment
from marketplace.applications.services import lock_application
from marketplace.audit.services import record
from marketplace.core.files import remove_after_commit, remove_on_rollback, upload_folder
from marketplace.core.policy import NotAllowed, require
from marketplace.extensions import db

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


# kind -> (accepted name endings, content type sent back)
ATTACHMENT_KINDS = {
    "pdf": ((".pdf",), "application/pdf"),
    "jpg": ((".jpg", ".jpeg"), "image/jpeg"),
    "png": ((".png",), "image/png"),
    "docx": ((".docx",),
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def sniff_kind(data: bytes) -> str | None:
    """The file's real type from its content (magic bytes), whatever its name says."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    return None


def clean_filename(name: str) -> str:
    """The name as the user sent it, without directories or control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if ord(c) >= 32 and c != "\x7f").strip()
    return name[:255] or "file"


# A scan of a paper (an invoice, a payment voucher): a PDF or a picture.
SCAN_KINDS = ("pdf", "jpg", "png")


def checked_scan(filename: str, data: bytes, missing, field: str = "scan") -> tuple[str, str]:
    """A scan's clean name and its real type (PDF, JPG or PNG by content, and a name that
    says the same); `missing` is the message when no file came."""
    name = clean_filename(filename)
    if not data:
        raise NotAllowed(missing, field=field)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise NotAllowed(_l("文件“%(name)s”超过 10 MB，请压缩后再上传。", name=name),
                         field=field)
    kind = sniff_kind(data)
    if kind not in SCAN_KINDS or not name.lower().endswith(ATTACHMENT_KINDS[kind][0]):
        raise NotAllowed(_l("文件“%(name)s”的内容与类型不符，或不是允许的类型（PDF、JPG、PNG）。",
                            name=name), field=field)
    return name, kind


def upload_dir() -> str:
    return upload_folder("applications")


def attachment_path(attachment: Attachment) -> str:
    return os.path.join(upload_dir(), attachment.stored_name)


def check_file(filename: str, data: bytes) -> str:
    """The file's kind when it may be attached (size, type by content, a name that matches
    it); refused, next to the `file` field, otherwise. Pure: the form asks it before saving
    the draft the first upload starts."""
    name = clean_filename(filename)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise NotAllowed(_l("文件“%(name)s”超过 10 MB，请压缩后再上传。", name=name),
                         field="file")
    if not data:
        raise NotAllowed(_l("请选择要上传的文件。"), field="file")
    kind = sniff_kind(data)
    endings = ATTACHMENT_KINDS[kind][0] if kind else ()
    if kind is None or not name.lower().endswith(endings):
        raise NotAllowed(_l("文件“%(name)s”的内容与类型不符，或不是允许的类型"
                            "（PDF、JPG、PNG、DOCX、XLSX）。", name=name), field="file")
    return kind


def add_attachment(actor, application: Application, filename: str, data: bytes,
                   now: datetime | None = None) -> Attachment:
    """Check the file (check_file) and store it under a random name outside static/. Under
    the application's lock: not after a submission that ran at the same time."""
    lock_application(application)
    require(policy.can_edit(actor, application, now))
    name = clean_filename(filename)
    kind = check_file(filename, data)
    stored_name = secrets.token_hex(16)
    attachment = Attachment(application=application, original_name=name,
                            stored_name=stored_name, content_type=ATTACHMENT_KINDS[kind][1],
                            size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                            uploaded_by_id=actor.id)
    path = os.path.join(upload_dir(), stored_name)
    with open(path, "xb") as out:
        # Registered before writing: a failed write or a request that does not commit
        # removes the file again, so no file is left without its row.
        remove_on_rollback(path)
        out.write(data)
    db.session.add(attachment)
    record("application.attach", application, actor=actor,
           after={"attachment": name, "size": len(data), "sha256": attachment.sha256})
    return attachment


def delete_attachment(actor, attachment: Attachment, now: datetime | None = None) -> str:
    """Remove the row; its file goes once the deletion is committed (kept on a rollback).
    Returns the file's path. Deleting it again (double click) finds it gone and changes
    nothing."""
    application = lock_application(attachment.application)
    require(policy.can_edit(actor, application, now))
    path = attachment_path(attachment)
    if db.session.scalar(select(Attachment.id).where(Attachment.id == attachment.id)) is None:
        db.session.expunge(attachment)
        return path
    record("application.detach", application, actor=actor,
           before={"attachment": attachment.original_name, "sha256": attachment.sha256})
    db.session.delete(attachment)
    remove_after_commit(path)
    return path
