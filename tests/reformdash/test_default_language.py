"""The API speaks Vietnamese by default, like the pages; the command line speaks English, like
Django's own commands (the operators who run it read the source's messages), whatever the
default language."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_command_explains_a_bad_file_in_english(tmp_path, capsys):
    empty = tmp_path / "units.csv"
    empty.write_text("", encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("import_units", str(empty))

    assert "nothing was written" in str(error.value)
    assert "the file is empty" in capsys.readouterr().err


def test_the_api_answers_in_vietnamese_unless_asked_for_english(client):
    url = reverse("dossier_batch")
    refused = client.post(url, data="{}", content_type="application/json", HTTP_AUTHORIZATION="Bearer nope")
    assert refused.status_code == 401 and "cần mã truy cập hợp lệ" in refused.json()["error"]

    client.cookies["django_language"] = "en"
    refused = client.post(url, data="{}", content_type="application/json", HTTP_AUTHORIZATION="Bearer nope")
    assert refused.status_code == 401 and "a valid token is required" in refused.json()["error"]
