"""/favicon.ico: a page that names no icon (Django's own 404 page) makes the browser ask for it, and
a 404 there was an error in the console of the page after — tests/browser/test_demo_walkthrough.py
failed on it once, the icon asked after the 404 pages it had just opened."""

from django.templatetags.static import static


def test_favicon_ico_leads_to_our_icon_for_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("favicon.svg")


def test_the_icon_it_leads_to_is_served(client, settings):
    settings.WHITENOISE_USE_FINDERS = True  # the file from static/, as the tests' server gives it
    icon = client.get(client.get("/favicon.ico")["Location"])
    assert icon.status_code == 200
