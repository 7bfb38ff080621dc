"""Signing up, logging in and out, changing the password; the header that links to them."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

SIGNUP = reverse("forum:signup")
PASSWORD = "correct horse battery staple"


def signup_data(**overrides):
    return {
        "username": "newreader",
        "display_name": "New Reader",
        "email": "new@example.org",
        "password1": "a quiet harbour at dawn",
        "password2": "a quiet harbour at dawn",
        **overrides,
    }


def test_sign_up_logs_the_reader_in_and_returns_them_where_they_came_from(client, article):
    response = client.post(f"{SIGNUP}?next={article.get_absolute_url()}", signup_data())

    assert response.status_code == 302
    assert response.url == article.get_absolute_url()
    user = get_user_model().objects.get(username="newreader")
    assert user.public_name == "New Reader"
    assert client.get(article.get_absolute_url()).context["user"] == user


def test_sign_up_ignores_a_next_on_another_site(client):
    response = client.post(f"{SIGNUP}?next=https://elsewhere.example/", signup_data())

    assert response.url == "/"


def test_sign_up_keeps_next_through_the_form(client, article):
    html = client.get(SIGNUP, {"next": article.get_absolute_url()}).content.decode()

    assert f'name="next" value="{article.get_absolute_url()}"' in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password2": "something else entirely"}, "The two password fields"),
        ({"email": ""}, "This field is required."),
        ({"username": ""}, "This field is required."),
    ],
)
def test_sign_up_errors_are_shown_on_the_form(client, overrides, message):
    response = client.post(SIGNUP, signup_data(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(username="newreader").exists()


def test_sign_up_refuses_a_taken_username(client, reader):
    response = client.post(SIGNUP, signup_data(username="reader"))

    assert "A user with that username already exists." in response.content.decode()


def test_display_name_is_optional_and_falls_back_to_username(client):
    client.post(SIGNUP, signup_data(display_name=""))

    assert get_user_model().objects.get(username="newreader").public_name == "newreader"


def test_signed_in_reader_visiting_sign_up_is_sent_on(client, reader):
    client.force_login(reader)

    assert client.get(SIGNUP).status_code == 302


def test_log_in_returns_to_next(client, reader, article):
    response = client.post(
        reverse("login"),
        {"username": "reader", "password": PASSWORD, "next": article.get_absolute_url()},
    )

    assert response.url == article.get_absolute_url()


def test_log_in_with_a_wrong_password_says_so(client, reader):
    response = client.post(reverse("login"), {"username": "reader", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()


def test_log_out_by_post(client, reader):
    client.force_login(reader)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change_needs_log_in(client):
    response = client.get(reverse("password_change"))

    assert response.url.startswith(reverse("login"))


def test_password_change_works(client, reader):
    client.force_login(reader)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a new and longer secret",
            "new_password2": "a new and longer secret",
        },
    )

    assert response.url == reverse("password_change_done")
    reader.refresh_from_db()
    assert reader.check_password("a new and longer secret")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("harbour", "This password is too short."),
        ("password123", "This password is too common."),
        ("8406219375", "This password is entirely numeric."),
        ("newreader1", "The password is too similar to the username."),
    ],
)
def test_sign_up_refuses_a_weak_password(client, password, message):
    response = client.post(SIGNUP, signup_data(password1=password, password2=password))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(username="newreader").exists()


def test_password_reset_page_renders(client):
    assert client.get(reverse("password_reset")).status_code == 200


NEW_PASSWORD = "a lighthouse in the fog"


def ask_for_a_reset_link(client, email="reader@example.org") -> str:
    """Ask for a new password and return the link the mail carries."""
    response = client.post(reverse("password_reset"), {"email": email})
    assert response.url == reverse("password_reset_done")
    [message] = mail.outbox
    return re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)


def open_reset_link(client, link):
    """The page a reset link leads to, and where its form posts: Django moves a valid
    link's token into the session and sends the browser on to the form."""
    page = client.get(link, follow=True)
    return page, page.redirect_chain[-1][0] if page.redirect_chain else link


def set_password_with(client, link, password=NEW_PASSWORD):
    page, form_url = open_reset_link(client, link)
    response = client.post(form_url, {"new_password1": password, "new_password2": password})
    return page, response


def test_password_reset_by_mail_sets_the_new_password(client, reader):
    link = ask_for_a_reset_link(client)
    [message] = mail.outbox

    form_page, response = set_password_with(client, link)

    assert message.to == ["reader@example.org"]
    assert message.subject == "[News Forum] Choose a new password"
    assert message.body.startswith("Hello Rita Reader,")
    assert "your account “reader”" in message.body
    assert 'name="new_password1"' in form_page.content.decode()
    assert response.url == reverse("password_reset_complete")
    assert "Your new password is ready." in client.get(response.url).content.decode()
    reader.refresh_from_db()
    assert reader.check_password(NEW_PASSWORD)


def test_password_reset_link_cannot_be_used_twice(client, reader):
    link = ask_for_a_reset_link(client)
    set_password_with(client, link)

    again, response = set_password_with(client, link, "yet another harbour")

    assert again.status_code == 200
    assert "This link has expired or was already used." in again.content.decode()
    assert 'name="new_password1"' not in again.content.decode()
    assert "This link has expired or was already used." in response.content.decode()
    reader.refresh_from_db()
    assert reader.check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, reader):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})

    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_reset_refuses_a_weak_new_password(client, reader):
    link = ask_for_a_reset_link(client)

    _, response = set_password_with(client, link, "12345")

    assert "This password is too short." in response.content.decode()
    reader.refresh_from_db()
    assert reader.check_password(PASSWORD)


@pytest.mark.parametrize("url_name", ["articles:list", "login", "forum:signup"])
def test_header_offers_log_in_and_sign_up_to_visitors(client, url_name):
    html = client.get(reverse(url_name)).content.decode()

    assert ">Log in</a>" in html
    assert ">Sign up</a>" in html


def test_header_offers_password_change_and_log_out_to_readers(client, reader, article):
    client.force_login(reader)

    html = client.get(article.get_absolute_url()).content.decode()

    assert "Signed in as <strong>Rita Reader</strong>" in html
    assert ">Change password</a>" in html
    assert ">Log out</button>" in html
    assert ">Moderation</a>" not in html


def test_header_offers_moderation_to_staff(client, moderator):
    client.force_login(moderator)

    assert ">Moderation</a>" in client.get("/").content.decode()
