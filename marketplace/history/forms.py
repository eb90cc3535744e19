from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField

MAX_BYTES = 5 * 1024 * 1024  # a history file is a few thousand rows at most


class ImportForm(FlaskForm):
    file = FileField(_l("历史数据文件"), validators=[
        FileRequired(_l("请选择要导入的文件。")),
        FileAllowed(["csv", "xlsx"], _l("只接受 CSV 或 XLSX 文件。"))],
        description=_l("CSV（UTF-8，可带 BOM）或 XLSX，第一行为表头，最大 5 MB。"))
    dry_run = BooleanField(_l("只检查，不写入（试导入）"))
