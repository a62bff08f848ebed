"""Statistics pages and exports: numbers equal a recomputation from the cards, every role
reads, nothing of another territory is ever shown or downloaded."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pytest
from django.db import transaction
from django.urls import reverse

from cospiral.cards.models import Card, Question
from cospiral.coding import counts
from cospiral.coding.services import code_card, split_card
from cospiral.groups.models import Group, Session
from cospiral.statistics import selectors
from cospiral.territories.models import Membership

ROLES = ("coordinator", "facilitator", "partner", "observer")

# (question, code) of the cards written in each group
YOUNG = [("Q1", "A01")] * 2 + [("Q1", "B01")] * 3 + [("Q2", "B01")] * 2 + [("Q3", "A03")]
ELDERLY = [("Q1", "A03")] * 4 + [("Q2", "A00")] * 2 + [("Q1", "B01")]


def _count_new(territory, card):
    """Cards written directly here enter the exact counts as the services' cards do."""
    with transaction.atomic():
        counts.apply(territory, [(None, counts.cell(card))])


def _coded(t, group, pairs, text):
    user = t.users["coordinator"]
    made = []
    for i, (q, code) in enumerate(pairs):
        card = Card.objects.create(
            territory=t.territory, group=group, session=t.session if group == t.group else None,
            question=Question.objects.of(t.territory).get(code=q), text=f"{text} {i}",
            language="en")
        _count_new(t.territory, card)
        made.append(code_card(t.territory, card, code=code, user=user, seen_updated_at=None))
    return made


@pytest.fixture
def coded(world):
    """alpha: the young group (8 coded cards + 3 uncoded) and an elderly group (7 coded);
    beta: its young group with 5 cards all on B00 (a code alpha never uses)."""
    a, b = world.alpha, world.beta
    elderly = Group.objects.create(territory=a.territory, name="Alphaville elderly people",
                                   profile="elderly people")
    Session.objects.create(territory=a.territory, group=elderly, date="2026-10-02")
    _coded(a, a.group, YOUNG, "Alphaville young card")
    _coded(a, elderly, ELDERLY, "Alphaville elderly card")
    _coded(b, b.group, [("Q1", "B00")] * 5, "Betatown card")
    world.elderly = elderly
    return world


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.content[:300]
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _from_cards(territory, **filters) -> Counter:
    """(question code, component code) -> counted coded cards, straight from the cards."""
    rows = Card.objects.of(territory).counted().filter(component__isnull=False, **filters)
    return Counter((c.question.code, c.component.code)
                   for c in rows.select_related("question", "component"))


def _export(client, page_territory, table, fmt="csv", **params):
    url = reverse("stats:export", kwargs={"territory": page_territory.slug, "format": fmt})
    return client.get(url, {"table": table, **params})


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_every_page(coded, login, role):
    a = coded.alpha
    client = login(a.users[role])
    slug = a.territory.slug
    for url in [reverse("stats:territory", args=[slug]),
                reverse("stats:group", args=[slug, a.group.pk]),
                reverse("stats:compare", args=[slug]),
                reverse("stats:network", args=[slug])]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "Alphaville" in body
        assert "Betatown" not in body, url
        assert not re.search(r"\bB00\b", body.split("<main", 1)[1]), url  # beta's only code


@pytest.mark.parametrize("role", ROLES)
def test_other_territory_members_get_404(coded, login, role):
    client = login(coded.beta.users[role])
    slug = coded.alpha.territory.slug
    for url in [reverse("stats:territory", args=[slug]),
                reverse("stats:group", args=[slug, coded.alpha.group.pk]),
                reverse("stats:compare", args=[slug]),
                reverse("stats:network", args=[slug]),
                reverse("stats:export", args=[slug, "csv"]) + "?table=families"]:
        assert client.get(url).status_code == 404, url


def test_anonymous_is_sent_to_login(coded, client):
    response = client.get(reverse("stats:territory", args=[coded.alpha.territory.slug]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_group_of_another_territory_is_404(coded, login):
    client = login(coded.alpha.users["coordinator"])
    slug = coded.alpha.territory.slug
    assert client.get(reverse("stats:group", args=[slug, coded.beta.group.pk])).status_code == 404
    response = _export(client, coded.alpha.territory, "families", scope="group", pk=coded.beta.group.pk)
    assert response.status_code == 404
    # As a filter of the territory page: refused, with the reason.
    response = client.get(reverse("stats:territory", args=[slug]), {"group": coded.beta.group.pk})
    assert response.status_code == 400
    assert "Choose a group of this territory." in response.content.decode()


def test_territory_numbers_equal_a_recomputation_from_cards(coded, login):
    a = coded.alpha
    # a split card: the original stops counting, its parts count
    card = Card.objects.of(a.territory).filter(group=a.group, component__isnull=False).first()
    split_card(a.territory, card, texts=["first idea", "second idea"], user=a.users["coordinator"])
    client = login(a.users["observer"])
    expected = _from_cards(a.territory)
    rows = _csv(_export(client, a.territory, "components", scope="territory"))
    found = Counter()
    for row in rows:
        for q in ("Q1", "Q2", "Q3"):
            if int(row.get(f"{q}_count") or 0):
                found[(q, row["code"])] = int(row[f"{q}_count"])
        assert int(row["total_count"]) == sum(int(row.get(f"{q}_count") or 0) for q in ("Q1", "Q2", "Q3"))
    assert found == expected
    families = _csv(_export(client, a.territory, "families", scope="territory"))
    by_family = Counter()
    for (_q, code), n in expected.items():
        by_family[code[0]] += n
    assert {r["code"]: int(r["total_count"]) for r in families} == {"A": by_family["A"], "B": by_family["B"]}
    assert sum(float(r["total_share"]) for r in families) == pytest.approx(1.0, abs=1e-3)
    assert counts.differences(a.territory) == {}


def test_group_page_and_profile_filter_count_only_that_group(coded, login):
    a = coded.alpha
    client = login(a.users["partner"])
    rows = _csv(_export(client, a.territory, "families", scope="group", pk=coded.elderly.pk))
    expected = _from_cards(a.territory, group=coded.elderly)
    assert sum(int(r["total_count"]) for r in rows) == sum(expected.values()) == len(ELDERLY)
    rows = _csv(_export(client, a.territory, "components", scope="territory",
                        profile="young people 15-25", question="Q1"))
    assert {r["code"]: int(r["Q1_count"]) for r in rows} == {"A01": 2, "B01": 3}
    assert all("Q2_count" not in r for r in rows)


def test_groups_table_has_cheap_totals(coded, login):
    a = coded.alpha
    client = login(a.users["coordinator"])
    rows = _csv(_export(client, a.territory, "groups", scope="territory"))
    young = next(r for r in rows if r["group"] == a.group.name)
    # 3 uncoded cards of the fixture + 8 coded ones
    assert int(young["counted"]) == 3 + len(YOUNG)
    assert int(young["coded"]) == len(YOUNG)
    assert float(young["coded_share"]) == pytest.approx(len(YOUNG) / (3 + len(YOUNG)), abs=1e-4)
    body = client.get(reverse("stats:territory", args=[a.territory.slug])).content.decode()
    assert f"{3 + len(YOUNG) + len(ELDERLY)} cards entered" in body
    # Split one card (entered, no longer counted; its 2 parts counted), merge another,
    # delete a third: the totals, read from the counts table, follow the cards.
    from cospiral.cards.services import delete_card
    from cospiral.coding.services import merge_cards

    user = a.users["coordinator"]
    split_card(a.territory, Card.objects.get(pk=a.cards[0].pk), texts=["one part", "another part"],
               user=user)
    merge_cards(a.territory, Card.objects.get(pk=a.cards[1].pk),
                [Card.objects.get(pk=a.cards[2].pk)], user=user)
    delete_card(Card.objects.of(a.territory).filter(group=coded.elderly).first(), user=user)
    assert counts.differences(a.territory) == {}
    alive = Card.objects.of(a.territory).alive()
    body = client.get(reverse("stats:territory", args=[a.territory.slug])).content.decode()
    assert (f"{alive.count()} cards entered, {alive.filter(is_split=False, merged_into__isnull=True).count()}"
            f" counted") in body
    rows = _csv(_export(client, a.territory, "groups", scope="territory"))
    for row in rows:
        group = Group.objects.of(a.territory).get(name=row["group"])
        assert int(row["counted"]) == alive.filter(group=group, is_split=False,
                                                   merged_into__isnull=True).count()


def test_page_has_chart_summary_and_table(coded, login):
    a = coded.alpha
    client = login(a.users["observer"])
    body = client.get(reverse("stats:territory", args=[a.territory.slug])).content.decode()
    # family B: B01 3 + 2 + 1 = 6 of the 15 coded cards; family A: the other 9
    assert ("The coded cards of Alphaville are most often about Access to means of living (60%), "
            "then Living environment (40%).") in body
    assert 'role="img"' in body and "<title>The coded cards of Alphaville" in body
    assert '<th scope="col">' in body and '<th scope="row">' in body
    assert "<caption>Coded cards by family and question" in body
    assert "stats:export" not in body and "/statistics/export/xlsx/?scope=territory&amp;table=families" in body


def test_page_follows_new_codings(coded, login):
    """Summaries are cached per territory; a coding changes the version token, so the
    next page shows it."""
    a = coded.alpha
    client = login(a.users["observer"])
    rows = _csv(_export(client, a.territory, "components", scope="territory"))
    before = {r["code"]: int(r["total_count"]) for r in rows}
    card = Card.objects.of(a.territory).filter(component__isnull=True).first()
    code_card(a.territory, card, code="A01", user=a.users["coordinator"], seen_updated_at=None)
    rows = _csv(_export(client, a.territory, "components", scope="territory"))
    after = {r["code"]: int(r["total_count"]) for r in rows}
    assert after["A01"] == before["A01"] + 1


def test_exports_hold_only_the_territory_data(coded, login):
    a = coded.alpha
    client = login(a.users["coordinator"])
    for table in ("families", "components", "groups", "profiles"):
        for fmt in ("csv", "xlsx"):
            response = _export(client, a.territory, table, fmt=fmt, scope="territory")
            assert response.status_code == 200
            if fmt == "csv":
                text = response.content.decode("utf-8-sig")
            else:
                from openpyxl import load_workbook

                book = load_workbook(io.BytesIO(response.content))
                text = "\n".join(",".join("" if v is None else str(v) for v in row)
                                 for sheet in book for row in sheet.iter_rows(values_only=True))
            assert "Betatown" not in text and "B00" not in text, (table, fmt)


def test_xlsx_has_the_same_columns_and_rows_as_csv(coded, login):
    from openpyxl import load_workbook

    a = coded.alpha
    client = login(a.users["coordinator"])
    csv_rows = list(csv.reader(io.StringIO(
        _export(client, a.territory, "components", scope="territory").content.decode("utf-8-sig"))))
    book = load_workbook(io.BytesIO(_export(client, a.territory, "components", fmt="xlsx",
                                            scope="territory").content))
    xlsx_rows = [["" if v is None else str(v) for v in row]
                 for row in book["components"].iter_rows(values_only=True)]
    assert xlsx_rows[0] == csv_rows[0]
    assert [r[:3] for r in xlsx_rows[1:]] == [r[:3] for r in csv_rows[1:]]
    assert "code" in csv_rows[0] and "label" in csv_rows[0] and "total_share" in csv_rows[0]


def test_compare_shows_what_each_group_stresses(coded, login):
    a = coded.alpha
    client = login(a.users["observer"])
    response = client.get(reverse("stats:compare", args=[a.territory.slug]), {"by": "group"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Compared with the other groups, Alphaville elderly people stresses A03" not in body
    # elderly: A03 4/7 = 57% against 1/8 = 12% in the young group
    assert "Alphaville elderly people stresses Housing (57% against 12%)" in body
    rows = _csv(_export(client, a.territory, "overrepresented", scope="compare", by="group"))
    first = next(r for r in rows if r["unit"] == "Alphaville elderly people")
    assert first["code"] == "A03" and int(first["count"]) == 4
    rows = _csv(_export(client, a.territory, "compare_families", scope="compare", by="profile"))
    a_row = next(r for r in rows if r["code"] == "A")
    # young: A01 ×2 + A03 ×1; elderly: A03 ×4 + A00 ×2
    assert int(a_row["young people 15-25 cards"]) == 3
    assert int(a_row["elderly people cards"]) == 6
    assert float(a_row["elderly people share"]) == pytest.approx(6 / 7, abs=1e-4)


def test_network_never_includes_a_territory_the_reader_is_not_in(coded, login):
    a, b = coded.alpha, coded.beta
    client = login(a.users["coordinator"])
    url = reverse("stats:network", args=[a.territory.slug])
    response = client.get(url, {"territory": [a.territory.slug, b.territory.slug]})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose territories where you have a role." in body
    assert "Betatown" not in body
    response = client.get(url)
    assert "Betatown" not in response.content.decode()
    export = _export(client, a.territory, "territories", scope="network",
                     territory=[b.territory.slug])
    assert export.status_code == 400
    # A member of both sees both, and their numbers add up.
    Membership.objects.create(territory=b.territory, user=a.users["coordinator"], role="observer")
    rows = _csv(_export(client, a.territory, "territories", scope="network",
                        territory=[a.territory.slug, b.territory.slug]))
    assert {r["territory"]: int(r["coded"]) for r in rows} == {
        "alpha": len(YOUNG) + len(ELDERLY), "beta": 5}
    families = _csv(_export(client, a.territory, "families", scope="network",
                            territory=[a.territory.slug, b.territory.slug]))
    both = _from_cards(a.territory) + _from_cards(b.territory)
    assert sum(int(r["total_count"]) for r in families) == sum(both.values())


def test_territories_inside_are_included_only_where_the_reader_has_a_role(coded, login):
    from cospiral.territories.services import create_territory

    a = coded.alpha
    child = create_territory(slug="alpha-north", name="Alpha North", grid_version=a.territory.grid_version)
    child.parent = a.territory
    child.save()
    group = Group.objects.create(territory=child, name="North young", profile="young")
    user = a.users["coordinator"]
    Membership.objects.create(territory=child, user=user, role="coordinator")
    cards = [Card.objects.create(territory=child, group=group, text=f"north {i}",
                                 question=Question.objects.of(child).get(code="Q1"))
             for i in range(2)]
    for card in cards:
        _count_new(child, card)
        code_card(child, card, code="B00", user=user, seen_updated_at=None)
    client = login(user)
    rows = _csv(_export(client, a.territory, "territories", scope="territory", inside="on"))
    assert {r["territory"] for r in rows} == {"alpha", "alpha-north"}
    # The observer of alpha has no role in the child: never included.
    client = login(a.users["observer"])
    rows = _csv(_export(client, a.territory, "families", scope="territory", inside="on"))
    assert sum(int(r["total_count"]) for r in rows) == len(YOUNG) + len(ELDERLY)
    assert "Alpha North" not in client.get(
        reverse("stats:territory", args=[a.territory.slug]), {"inside": "on"}).content.decode()


def test_bad_filters_say_what_is_wrong(coded, login):
    a = coded.alpha
    client = login(a.users["observer"])
    response = client.get(reverse("stats:territory", args=[a.territory.slug]), {"question": "Q9"})
    assert response.status_code == 400
    assert "Choose a question of this territory." in response.content.decode()
    response = _export(client, a.territory, "families", scope="territory", question="Q9")
    assert response.status_code == 400
    assert "Question: Choose a question of this territory." in response.content.decode()
    assert _export(client, a.territory, "nope", scope="territory").status_code == 404
    assert _export(client, a.territory, "families", fmt="pdf").status_code == 404
    assert _export(client, a.territory, "families", scope="planet").status_code == 404


def test_group_names_are_escaped_in_charts_and_tables(coded, login):
    a = coded.alpha
    coded.elderly.name = "<script>alert(1)</script>"
    coded.elderly.save()
    client = login(a.users["observer"])
    for url in [reverse("stats:territory", args=[a.territory.slug]),
                reverse("stats:compare", args=[a.territory.slug]) + "?by=group"]:
        body = client.get(url).content.decode()
        assert "<script>alert(1)" not in body
        assert "&lt;script&gt;alert(1)" in body


def test_links_from_the_territory_nav_and_group_page(coded, login):
    a = coded.alpha
    client = login(a.users["observer"])
    home = client.get(reverse("territories:home", args=[a.territory.slug])).content.decode()
    assert reverse("stats:territory", args=[a.territory.slug]) in home
    detail = client.get(reverse("groups:detail", args=[a.territory.slug, a.group.pk])).content.decode()
    assert reverse("stats:group", args=[a.territory.slug, a.group.pk]) in detail


def test_readable_territories_and_cache_keys(coded):
    a, b = coded.alpha, coded.beta
    assert [t.slug for t in selectors.readable_territories(a.users["partner"])] == ["alpha"]
    cells = selectors.cells_of([a.territory])
    assert int(cells.count.sum()) == len(YOUNG) + len(ELDERLY)
    assert set(cells.territory.tolist()) == {a.territory.pk}
    assert int(selectors.cells_of([b.territory]).count.sum()) == 5
    # Summed over groups: one row per question × component, same totals.
    summed = selectors.cells_of([a.territory], by_group=False)
    assert set(summed.group.tolist()) == {-1}
    pairs = list(zip(summed.question.tolist(), summed.component.tolist(), strict=True))
    assert len(pairs) == len(set(pairs))
    full = Counter()
    for q, c, n in zip(cells.question.tolist(), cells.component.tolist(), cells.count.tolist(),
                       strict=True):
        full[(q, c)] += n
    assert dict(zip(pairs, summed.count.tolist(), strict=True)) == dict(full)


def test_network_lists_territories_in_one_labelled_select(coded, login):
    a, b = coded.alpha, coded.beta
    Membership.objects.create(territory=b.territory, user=a.users["observer"], role="observer")
    client = login(a.users["observer"])
    url = reverse("stats:network", args=[a.territory.slug])
    body = client.get(url, {"territory": [b.territory.slug]}).content.decode()
    assert '<label for="id_territory">' in body
    assert ('<select name="territory" id="id_territory" multiple size="12" '
            'aria-describedby="territory-help">') in body
    assert f'<option value="{b.territory.slug}" selected>Betatown (beta)</option>' in body
    assert f'<option value="{a.territory.slug}">Alphaville (alpha)</option>' in body
    assert 'type="checkbox"' not in body  # thousands of territories: one list, not boxes
    # Unknown slugs are refused with the reason, next to the list.
    response = client.get(url, {"territory": ["nowhere"]})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert "Choose territories where you have a role." in response.content.decode()


def test_long_tables_show_rows_by_pages_and_exports_hold_every_row(coded, login, monkeypatch):
    a = coded.alpha
    monkeypatch.setattr(selectors, "PAGE_ROWS", 1)
    client = login(a.users["partner"])
    url = reverse("stats:territory", args=[a.territory.slug])
    body = client.get(url, {"question": "Q1"}).content.decode()
    # groups are sorted by name: "Alphaville elderly people" first, then the young people
    groups = body[body.index('id="table-groups"'):body.index('id="table-profiles"')]
    assert "Rows 1 to 1 of 2; the download holds every row." in groups
    shown = groups[groups.index("<tbody>"):groups.index("</tbody>")]
    assert "Alphaville elderly people" in shown and a.group.name not in shown
    assert 'href="?question=Q1&amp;page_groups=2#table-groups" rel="next"' in groups
    body = client.get(url, {"question": "Q1", "page_groups": "2"}).content.decode()
    groups = body[body.index('id="table-groups"'):body.index('id="table-profiles"')]
    shown = groups[groups.index("<tbody>"):groups.index("</tbody>")]
    assert "Rows 2 to 2 of 2" in groups and a.group.name in shown
    assert "Alphaville elderly people" not in shown
    assert 'href="?question=Q1&amp;page_groups=1#table-groups" rel="prev"' in groups
    # Page numbers out of range or not numbers show the nearest page; exports ignore them.
    assert "Rows 2 to 2 of 2" in client.get(url, {"page_groups": "99"}).content.decode()
    assert "Rows 1 to 1 of 2" in client.get(url, {"page_groups": "x"}).content.decode()
    assert "page_groups" not in body[body.index("Download this table:"):][:400]
    rows = _csv(_export(client, a.territory, "groups", scope="territory", page_groups="2"))
    assert [r["group"] for r in rows] == ["Alphaville elderly people", a.group.name]


def test_network_counts_follow_a_change_in_one_territory(coded):
    a, b = coded.alpha, coded.beta
    both = [a.territory, b.territory]
    first = selectors.cells_of(both, by_group=False)
    assert selectors.cells_of(both, by_group=False) is first  # reused while nothing changed
    card = Card.objects.of(b.territory).filter(component__isnull=True).first()
    code_card(b.territory, card, code="A01", user=b.users["coordinator"], seen_updated_at=None)
    again = selectors.cells_of(both, by_group=False)
    assert again is not first
    assert int(again.count.sum()) == int(first.count.sum()) + 1
    report = selectors.report(both, subject="", title="", by_group=False, by_territory=True)
    rows = {r[0]: r[-1] for r in report.table("territories").rows}
    assert rows == {"alpha": len(YOUNG) + len(ELDERLY), "beta": 6}


def test_compare_group_checkboxes_keep_their_labels_and_choice(coded, login):
    a = coded.alpha
    client = login(a.users["observer"])
    url = reverse("stats:compare", args=[a.territory.slug])
    body = client.get(url, {"by": "group", "group": [coded.elderly.pk]}).content.decode()
    boxes = body[body.index('<div id="id_group">'):]
    assert (f'<input type="checkbox" name="group" value="{coded.elderly.pk}" id="id_group_0" '
            f'checked> Alphaville elderly people (elderly people)</label>') in boxes
    assert (f'<input type="checkbox" name="group" value="{a.group.pk}" id="id_group_1"> '
            f'{a.group.name} (young people 15-25)</label>') in boxes
    # Only the chosen group is compared.
    rows = _csv(_export(client, a.territory, "compare_families", scope="compare", by="group",
                        group=[coded.elderly.pk]))
    assert all(not key.startswith(a.group.name) for key in rows[0])
