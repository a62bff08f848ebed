"""The printable session kit (PDF)."""

import io

import pytest
from django.urls import reverse

from cospiral.jobs.models import Job
from tests import pdfs

pypdf = pytest.importorskip("pypdf")


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_kit_is_a_pdf_with_questions_instructions_sheets_and_families(world, login):
    t = world.alpha
    response, content = pdfs.download(login(t.users["facilitator"]),
                                      reverse("criteria:kit", args=["alpha", t.group.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="cospiral-kit-alpha-group-{t.group.pk}.pdf"' in response["Content-Disposition"]
    text, pages = pdf_text(content)
    flat = " ".join(text.split())
    assert t.group.name in flat and "1 Oct 2026" in flat
    assert "What is well-being for you?" in flat
    assert "Qu'est-ce que le bien-être pour vous ?" in flat  # every language of the territory
    assert "Q4" not in flat  # not enabled
    assert "One idea per post-it" in flat and "equal right to speak" in flat
    assert "Q1-12" in flat and "Q3-1" in flat  # numbered boxes on each question's sheet
    assert "Access to means of living" in flat and "Living environment" in flat
    assert pages == 1 + 3 + 1  # cover, one sheet per enabled question, grid families


@pytest.mark.parametrize("role, status", [("coordinator", 302), ("partner", 403),
                                          ("observer", 403)])
def test_kit_roles(world, login, role, status):
    t = world.alpha
    response = login(t.users[role]).get(reverse("criteria:kit", args=["alpha", t.group.pk]))
    assert response.status_code == status


def test_kit_of_another_territorys_group_is_404(world, login):
    client = login(world.alpha.users["coordinator"])
    assert client.get(reverse("criteria:kit", args=["alpha", world.beta.group.pk])).status_code == 404
    # Beta's kit, built for beta, is not alpha's to see.
    pdfs.download(login(world.beta.users["facilitator"]), reverse("criteria:kit", args=["beta", world.beta.group.pk]))
    job = Job.objects.get(kind="criteria.kit_pdf")
    client = login(world.alpha.users["coordinator"])
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(job.download_url()).status_code == 404
    assert login(world.beta.users["partner"]).get(job.download_url()).status_code == 404  # below facilitator
