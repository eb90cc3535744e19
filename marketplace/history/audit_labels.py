"""What the audit log calls the actions, objects and fields of the import of past rounds
(audit/labels.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.audit import labels

labels.actions({
    "history.import": _l("导入了历史数据"),
})
labels.object_kind("history", _l("历史数据"))
labels.fields({
    "rows": _l("行数"),
    "new": _l("新增"),
    "unchanged": _l("未变"),
    "dry_run": _l("试运行"),
    "ok": _l("成功"),
    "rounds": _l("年度项目数"),
    "organisations": _l("组织数"),
    "challenges": _l("命题数"),
    "awards": _l("立项数"),
})
