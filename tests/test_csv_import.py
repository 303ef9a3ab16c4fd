"""CSV import: the delimiter comes from the header line, a malformed line costs that line only
(with its reason), and input that the csv module cannot read is a 400 with a message, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from aihm.tenancy import tenant_context
from recruiting.models import Candidate
from tests import factories
from tests.conftest import bearer_for

pytestmark = pytest.mark.django_db

# Line 3 holds the separator inside a value without quotes: csv.Sniffer gave up on such files,
# fell back to commas and refused the whole file for "missing columns".
EXTRA_CELLS = (
    "nom;email;téléphone;notes\n"
    "Karim Idrissi;karim@example.test;0611223344;ok\n"
    "Dupont; Jean;jean@example.test;0699887766;a;b\n"
    "Sara Bennani;sara@example.test;0612345600;\n"
)
UNCLOSED_QUOTE = (
    "nom;email;téléphone\n"
    "Karim Idrissi;karim@example.test;0611223344\n"
    '"Amina;amina@example.test;0699887766\n'
    "Sara Bennani;sara@example.test;0612345600\n"
)


@pytest.fixture
def position(tenant_a):
    with tenant_context(tenant_a.pk):
        return factories.PositionFactory(title="Python developer")


def csv_file(text, name="candidats.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def api_import(user, position, text):
    client = bearer_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.post(f"/api/v1/positions/{position.pk}/candidates/import", {"file": csv_file(text)}, format="multipart")


def page_import(user, position, text):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client.post(reverse("recruiting:position_import", args=[position.pk]), {"file": csv_file(text)})


def names_in(position):
    with tenant_context(position.tenant_id):
        return set(Candidate.objects.filter(position=position).values_list("full_name", flat=True))


def test_a_line_with_the_separator_in_a_value_is_refused_alone(recruiter_a, position):
    response = api_import(recruiter_a, position, EXTRA_CELLS)

    assert response.status_code == 201, response.json()
    rows = {row["line"]: row for row in response.json()["rows"]}
    assert rows[2]["status"] == "added" and rows[4]["status"] == "added"
    assert rows[3]["status"] == "refused"
    assert "6 cells where the header row has 4" in rows[3]["reason"] and "« ; »" in rows[3]["reason"]
    assert names_in(position) == {"Karim Idrissi", "Sara Bennani"}


def test_a_quote_left_open_costs_its_line_and_the_next_lines_are_still_read(recruiter_a, position):
    response = api_import(recruiter_a, position, UNCLOSED_QUOTE)

    rows = {row["line"]: row for row in response.json()["rows"]}
    assert rows[3]["status"] == "refused" and "quote" in rows[3]["reason"]
    assert rows[4]["status"] == "added"
    assert names_in(position) == {"Karim Idrissi", "Sara Bennani"}


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_the_delimiter_is_the_one_the_header_uses(recruiter_a, position, separator):
    text = separator.join(["Nom", "Téléphone", "Notes"]) + "\n" + separator.join(["Lina Haddad", "0612345678", "a, b; c"]) + "\n"
    if separator != "\t":
        text = text.replace("a, b; c", '"a, b; c"')

    response = api_import(recruiter_a, position, text)

    assert response.status_code == 201, response.json()
    with tenant_context(position.tenant_id):
        assert Candidate.objects.get(position=position).notes == "a, b; c"


def test_a_header_without_the_required_columns_says_what_it_found(recruiter_a, position):
    response = api_import(recruiter_a, position, "prénom;mobile phone\nLina;0612345678\n")

    assert response.status_code == 400 and set(response.json()["errors"]) == {"file"}
    message = response.json()["message"]
    assert "needs the columns: full_name, phone" in message and "« prénom », « mobile phone »" in message


def test_a_cell_past_the_csv_field_limit_is_a_400_on_the_api(recruiter_a, position):
    text = "nom;téléphone\nKarim;0611223344\n" + '"' + "x" * 140_000 + "\nSara;0612345600\n"

    response = api_import(recruiter_a, position, text)

    assert response.status_code == 400 and set(response.json()["errors"]) == {"file"}
    assert "Line 3 has a cell longer than 128" in response.json()["message"]
    assert names_in(position) == set()


def test_a_cell_past_the_csv_field_limit_is_an_error_next_to_the_file_on_the_page(recruiter_a, position):
    text = "nom,phone\n" + "x" * 140_000 + ",0611223344\n"

    response = page_import(recruiter_a, position, text)

    assert response.status_code == 200
    assert "Line 2 has a cell longer than 128" in response.context["form"].errors["file"][0]


def test_the_page_reports_each_line_of_a_file_with_a_malformed_line(recruiter_a, position):
    response = page_import(recruiter_a, position, EXTRA_CELLS)

    assert response.status_code == 200 and (response.context["added"], response.context["refused"]) == (2, 1)
    assert "6 cells where the header row has 4" in response.content.decode()


def test_a_header_past_the_csv_field_limit_is_a_400(recruiter_a, position):
    response = api_import(recruiter_a, position, "x" * 140_000 + ",phone\nLina,0612345678\n")

    assert response.status_code == 400 and set(response.json()["errors"]) == {"file"}
    assert "header row" in response.json()["message"]
