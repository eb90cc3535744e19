from tests.factories import make_organisation, make_user


def test_home_page_is_chinese_with_login_links(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "志愿服务创投集市" in html and "/login" in html and "/register" in html


def test_member_sees_own_organisation(app, login_as):
    owner = make_user()
    organisation = make_organisation(owner)
    client = login_as(owner)
    assert organisation.name in client.get(f"/organisations/{organisation.id}").get_data(True)
