"""The shared definition as the method describes it (issue 15, point 3): material and
immaterial criteria, an introduction, the groups that contributed, a printable version;
criteria ticked into an indicator take the chosen category; the minority-idea rule
scales with the group; a validated synthesis says how its uncited cards were handled.
Always two territories: beta neither sees nor is touched by alpha's work."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cospiral.indicators import services as indicator_services
from cospiral.indicators.models import IndicatorCriterion
from cospiral.jobs.models import Job
from cospiral.syntheses import selectors, services
from cospiral.syntheses.models import SharedCriterion, SharedDefinition, Synthesis
from tests import pdfs

from .test_syntheses_crossing import rainbow  # noqa: F401  (fixture)
from .test_syntheses_pages import add_card, code, entry, url


def _criteria(a):
    """Three shared criteria of alpha's rainbow group: material, immaterial, not said."""
    b01, a03 = entry(a, "B01"), entry(a, "A03")
    writer = a.users["facilitator"]
    parks = services.save_shared_criterion(
        a.territory, user=writer, mixed_group=a.rainbow, component=b01, text="Clean parks",
        language="en", cards=[a.young_park, a.elderly_park], nature="material")
    alone = services.save_shared_criterion(
        a.territory, user=writer, mixed_group=a.rainbow, component=a03, text="Not being alone",
        language="en", cards=[a.elderly_alone], nature="immaterial")
    quiet = services.save_shared_criterion(
        a.territory, user=writer, mixed_group=a.rainbow, component=b01, text="Quiet nights",
        language="en", cards=[a.young_noise, a.elderly_noise])
    return parks, alone, quiet


def test_material_and_immaterial_criteria_are_editable_shown_and_counted(rainbow, login):  # noqa: F811
    a, b = rainbow.alpha, rainbow.beta
    parks, alone, quiet = _criteria(a)
    assert (parks.nature, alone.nature, quiet.nature) == ("material", "immaterial", "")
    page = login(a.users["observer"]).get(url("definition", "alpha")).content.decode()
    assert "1 material criterion" in page and "1 immaterial criterion" in page
    assert "1 criterion not yet said material or immaterial" in page
    assert page.count('class="badge badge-material"') == 1
    # The form edits it; a wrong value is refused by name and changes nothing.
    client = login(a.users["facilitator"])
    edit = url("criterion_edit", "alpha", quiet.pk)
    assert 'name="nature"' in client.get(edit).content.decode()
    data = {"component": quiet.component_id, "text": "Quiet nights", "language": "en",
            "cards": [a.young_noise.pk, a.elderly_noise.pk]}
    response = client.post(edit, {**data, "nature": "spiritual"})
    assert response.status_code == 400
    quiet.refresh_from_db()
    assert quiet.nature == ""
    assert client.post(edit, {**data, "nature": "immaterial"}).status_code == 302
    quiet.refresh_from_db()
    assert quiet.nature == "immaterial"
    page = login(a.users["observer"]).get(url("definition", "alpha")).content.decode()
    assert "2 immaterial criteria" in page and "not yet said" not in page
    assert "Edit" not in page.split("The criteria")[-1].split("</table>")[0]
    with pytest.raises(ValidationError):
        services.save_shared_criterion(a.territory, user=a.users["facilitator"], mixed_group=a.rainbow,
                                       criterion=parks, component=parks.component_id, text="Clean parks",
                                       cards=[a.young_park], nature="both")
    # Beta's definition counts none of alpha's criteria, and cannot edit them.
    beta_page = login(b.users["coordinator"]).get(url("definition", "beta")).content.decode()
    assert "0 material criteria" in beta_page and "Clean parks" not in beta_page
    assert login(b.users["coordinator"]).get(url("criterion_edit", "beta", quiet.pk)).status_code == 404


def test_introduction_and_contributing_groups_on_the_page_and_in_the_pdf(rainbow, login):  # noqa: F811
    a, b = rainbow.alpha, rainbow.beta
    _criteria(a)
    intro_url = url("definition_introduction", "alpha")
    assert login(a.users["facilitator"]).get(intro_url).status_code == 403
    with pytest.raises(PermissionDenied):
        services.save_definition_introduction(a.territory, user=a.users["facilitator"], introduction="x")
    client = login(a.users["coordinator"])
    response = client.post(intro_url, {"introduction": "x" * 10001, "language": "fr"})
    assert response.status_code == 400 and "at most 10000 characters" in response.content.decode()
    assert not SharedDefinition.objects.exists()
    text = "Written in 2026 by two groups and a rainbow group of 12 delegates."
    assert client.post(intro_url, {"introduction": text, "language": "en"}).status_code == 302
    assert SharedDefinition.objects.get().territory == a.territory
    page = login(a.users["partner"]).get(url("definition", "alpha")).content.decode()
    assert text in page and "Groups that contributed" in page
    assert "Write the introduction" not in page and "Edit the introduction" not in page
    contributors = selectors.definition_page(a.territory)
    assert [(c.group.name, c.criteria) for c in contributors.mixed_groups] == [("Rainbow", 3)]
    assert [(c.group.name, c.cards, c.criteria) for c in contributors.source_groups] == [
        ("Alphaville young people", 2, 2), ("Elderly people", 3, 3)]
    assert "Shopkeepers" not in page  # its cards are cited by no criterion

    # Printable: a PDF through the task engine, built once per content.
    reader = login(a.users["partner"])
    _response, content = pdfs.download(reader, url("definition_pdf", "alpha"))
    pypdf = pytest.importorskip("pypdf")
    pdf_text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages).split())
    assert text in pdf_text and "Groups that contributed" in pdf_text and "1 material criterion" in pdf_text
    jobs = Job.objects.filter(kind="syntheses.definition_pdf").count()
    assert reader.get(url("definition_pdf", "alpha")).status_code == 200  # kept file, no new job
    assert Job.objects.filter(kind="syntheses.definition_pdf").count() == jobs
    client = login(a.users["coordinator"])
    assert client.post(intro_url, {"introduction": text + " Revised.", "language": "en"}).status_code == 302
    reader = login(a.users["partner"])
    _response, content = pdfs.download(reader, url("definition_pdf", "alpha"))
    assert Job.objects.filter(kind="syntheses.definition_pdf").count() == jobs + 1

    # Beta sees none of it and cannot write alpha's introduction.
    beta = login(b.users["coordinator"])
    assert text not in beta.get(url("definition", "beta")).content.decode()
    assert beta.post(url("definition_introduction", "alpha"), {"introduction": "hack"}).status_code == 404
    assert beta.post(url("definition_introduction", "beta"),
                     {"introduction": "Beta's own", "language": "fr"}).status_code == 302
    assert SharedDefinition.objects.get(territory=a.territory).introduction.startswith("Written in 2026")


def test_ticked_cards_and_shared_criteria_take_the_chosen_category(rainbow, login):  # noqa: F811
    a, b = rainbow.alpha, rainbow.beta
    _parks, alone, _quiet = _criteria(a)
    indicator = indicator_services.create_indicator(
        a.territory, component=entry(a, "A03"), titles={"fr": "Logement", "en": "Housing"},
        user=a.users["facilitator"])
    client = login(a.users["facilitator"])
    add = reverse("indicators:criteria_add", args=["alpha", indicator.pk])
    assert "Category of the criteria added" in client.get(
        reverse("indicators:detail", args=["alpha", indicator.pk])).content.decode()
    response = client.post(add, {"cards": [a.cards[0].pk, a.cards[1].pk], "shared": [alone.pk],
                                 "text": "Un toit sûr", "category": "sustainability"})
    assert response.status_code == 302
    got = {(c.card_id, c.shared_criterion_id, c.text): c.category
           for c in IndicatorCriterion.objects.filter(indicator=indicator)}
    assert set(got.values()) == {"sustainability"} and len(got) == 4
    # Without a category they stay unsorted; a wrong one is refused and adds nothing.
    client.post(add, {"cards": [a.cards[2].pk]})
    assert IndicatorCriterion.objects.get(indicator=indicator, card=a.cards[2]).category == ""
    response = client.post(add, {"cards": [a.elderly_alone.pk], "category": "wealth"})
    assert response.status_code == 400
    assert IndicatorCriterion.objects.filter(indicator=indicator).count() == 5
    # Beta's card cannot be ticked into alpha's indicator; beta's indicators untouched.
    response = client.post(add, {"cards": [b.cards[0].pk], "category": "quality"})
    assert response.status_code == 400
    assert not IndicatorCriterion.objects.filter(territory=b.territory).exists()


def test_minority_rule_scales_with_the_group_and_is_written_on_the_page(world, login):
    """30 cards: A01 10, A03 9, A00 8, B01 2, B00 1. Before, a component with 2 cards was
    always a minority idea; at 30 cards only the idea written on one card is."""
    a, b = world.alpha, world.beta
    for card in a.cards:
        code(a, card, "A01")
    for c, n in [("A01", 7), ("A03", 9), ("A00", 8), ("B01", 2), ("B00", 1)]:
        for i in range(n):
            add_card(a, f"{c} idea {i}", component_code=c)
    board = selectors.board(a.territory, a.group)
    assert board.total == 30 and board.minority_max == 1
    minority = {blk.component.code for blk in board.blocks if blk.minority}
    assert minority == {"B00"}
    page = login(a.users["observer"]).get(url("group", "alpha", a.group.pk)).content.decode()
    assert "a component is a minority idea when at most 1 card cites it" in page
    assert "5% of the coded cards of this synthesis (30)" in page
    assert page.count('<span class="badge badge-minority">minority idea</span></h2>') == 1
    # Beta's three cards: its own rule, its own count.
    for card in b.cards:
        code(b, card, "A01")
    beta = selectors.board(b.territory, b.group)
    assert beta.total == 3 and [blk.minority for blk in beta.blocks] == [False]


def test_a_validated_synthesis_says_how_its_uncited_cards_were_handled(world, login):
    a, b = world.alpha, world.beta
    for card in a.cards:
        code(a, card, "A01")
    for card in b.cards:
        code(b, card, "A01")
    services.add_sentence(a.territory, user=a.users["coordinator"], group=a.group, component=entry(a, "A01"),
                          text="Eating well", cards=a.cards[:1])
    client = login(a.users["coordinator"])
    validate = url("group_validate", "alpha", a.group.pk)
    form = client.get(validate).content.decode()
    assert "2 cards are in no sentence of the synthesis" in form
    response = client.post(validate, {"validated_on": "2026-10-08", "uncited_note": "  "})
    assert response.status_code == 400 and "say how the group handled them" in response.content.decode()
    assert Synthesis.objects.get(group=a.group).status == "draft"
    note = "Kept as minority ideas: the group takes them up at its next meeting."
    assert client.post(validate, {"validated_on": "2026-10-08", "uncited_note": note}).status_code == 302
    synthesis = Synthesis.objects.get(group=a.group)
    assert (synthesis.status, synthesis.uncited_note, synthesis.uncited_at_validation) == ("validated", note, 2)
    page = login(a.users["observer"]).get(url("group", "alpha", a.group.pk)).content.decode()
    assert "At the validation, 2 cards were in no sentence. How the group handled them:" in page
    assert note in page
    client = login(a.users["coordinator"])
    # Every card cited: no note asked, none kept.
    services.add_sentence(a.territory, user=a.users["coordinator"], group=a.group, component=entry(a, "A01"),
                          text="Eating together", cards=a.cards[1:])
    services.validate_synthesis(a.territory, user=a.users["coordinator"], group=a.group,
                                validated_on=dt.date(2026, 10, 9), uncited_note="ignored")
    synthesis.refresh_from_db()
    assert (synthesis.uncited_note, synthesis.uncited_at_validation) == ("", 0)
    # Beta's synthesis is untouched, and alpha's coordinator cannot validate it.
    assert not Synthesis.objects.filter(territory=b.territory).exists()
    assert client.post(url("group_validate", "alpha", b.group.pk),
                       {"validated_on": "2026-10-08", "uncited_note": note}).status_code == 404
    assert SharedCriterion.objects.count() == 0
