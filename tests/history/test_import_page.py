"""The history import page (issue 11, point 26): the dry-run box is unticked after a dry run;
the template and the import take Chinese column headers as well as the English ones; the
button says it is working."""
from __future__ import annotations

import csv
import io

from marketplace.accounts.models import Role
from marketplace.history.rows import CHINESE_COLUMNS, COLUMNS, HistoryFileError, read_table
from tests.factories import make_user
from tests.history.test_pages_and_cli import SAMPLE, applications, upload


def _organizer_client(login_as):
    return login_as(make_user(roles=[Role.ORGANIZER]))


def test_the_dry_run_box_is_unticked_after_a_dry_run(app, login_as):
    client = _organizer_client(login_as)
    html = upload(client, SAMPLE.read_bytes(), dry_run=True).get_data(as_text=True)
    box = html.split('name="dry_run"', 1)[0].rsplit("<input", 1)[1] + \
        html.split('name="dry_run"', 1)[1].split(">", 1)[0]
    assert "checked" not in box
    assert 'data-testid="import-summary"' in html


def test_a_file_with_chinese_headers_and_status_words_imports(app, login_as):
    client = _organizer_client(login_as)
    template = client.get("/history/template.csv?headers=zh")
    rows = list(csv.reader(io.StringIO(template.data.decode("utf-8-sig"))))
    assert rows[0] == [CHINESE_COLUMNS[c] for c in COLUMNS]
    assert {r[-1] for r in rows[1:]} == {"立项", "未入选"}
    before = applications()
    page = upload(client, template.data, name="模板.csv")
    assert page.status_code == 200, page.get_data(as_text=True)
    assert applications() == before + 2


def test_headers_may_mix_languages_carry_units_and_use_aliases(app):
    header = ["年度", "round_title", "项目名称", "申报组织", "统一社会信用代码", "所在县区",
              "类别", "命题", "申请金额（元）", "立项金额(元)", "STATUS"]
    data = ("\ufeff" + ",".join(header) + "\r\n"
            + "2019,,渔嫂课堂,普陀区海韵志愿服务队,52330903612000079L,普陀区,关爱帮扶,,"
              "20000,15000,立项\r\n").encode()
    [(line, row)] = read_table(data)
    assert line == 2 and set(row) == set(COLUMNS)
    assert row["requested_amount"] == "20000" and row["status"] == "立项"


def test_a_missing_column_is_named_in_both_languages(app):
    data = "年度,项目名称\r\n2019,渔嫂课堂\r\n".encode()
    try:
        read_table(data)
    except HistoryFileError as error:
        assert "organization_uscc / 统一社会信用代码" in str(error)
    else:
        raise AssertionError("a file without the columns was read")


def test_the_page_documents_the_chinese_names_and_the_button_says_it_is_working(app,
                                                                              login_as):
    html = _organizer_client(login_as).get("/history/import").get_data(as_text=True)
    columns = html.split('data-testid="import-columns"', 1)[1].split("</table>", 1)[0]
    for column in COLUMNS:
        assert f"<code>{column}</code>" in columns and CHINESE_COLUMNS[column] in columns
    assert 'href="/history/template.csv?headers=zh"' in html
    assert "data-busy-text=" in html and "js/busy.js" in html
