import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_login_page_is_vietnamese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="vi"' in response.content.decode()
    assert "Đăng nhập" in response.content.decode()


@pytest.mark.django_db
def test_the_english_switch_turns_the_page_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True)
    page = response.content.decode()
    assert 'lang="en"' in page
    assert "Log in" in page and "Đăng nhập" not in page


@pytest.mark.django_db
def test_a_wrong_password_says_so_without_telling_which_part(client, staff):
    response = client.post(reverse("login"), {"username": "staff", "password": "wrong"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    unknown = client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in unknown.content.decode()


@pytest.mark.django_db
def test_a_right_password_leads_to_the_overview(client, staff):
    response = client.post(
        reverse("login"), {"username": "staff", "password": "correct horse battery staple"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Tổng quan" in response.content.decode()


@pytest.mark.django_db
def test_logging_out_ends_the_session(client, staff):
    client.force_login(staff)
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_an_english_browser_still_gets_vietnamese_until_the_switch_is_used(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Đăng nhập" in response.content.decode()
    assert response["Content-Language"] == "vi"
