"""Shared fixtures: every integration test works with two territories and every role."""

from __future__ import annotations

import contextlib
import datetime as dt
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests check results, not speed: on a busy machine, generating inputs may be
# slow, which must not fail a test (Hypothesis's deadline and too_slow health check).
hypothesis_settings.register_profile("cospiral", deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("cospiral")



def pytest_configure(config):
    """Under pytest-xdist each worker has its own database (pytest-django) and here its
    own data directory: job files (``jobs/<pk>``, and every worker's database gives the
    same pks), the PDF, chart and suggestion-model caches, uploads."""
    import os
    from pathlib import Path

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    from django.conf import settings

    data_dir = Path(settings.DATA_DIR) / f"xdist-{worker}"
    data_dir.mkdir(parents=True, exist_ok=True)
    settings.DATA_DIR = data_dir
    settings.MEDIA_ROOT = data_dir / "media"


DATABASE_FIXTURES = ("db", "transactional_db", "django_db_reset_sequences",
                     "django_db_serialized_rollback", "live_server")


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only", action="store_true",
        help="run only the tests that use the configured database (CI runs the others once, "
             "on SQLite: they would repeat themselves on PostgreSQL)")


def pytest_collection_modifyitems(config, items):
    """``--database-tests-only`` keeps the tests that touch Django's database (a
    ``django_db`` mark, or a database fixture among all the fixtures they use). The others
    (pure functions; tests that run ``cospiral`` in subprocesses on their own SQLite file)
    give the same result whatever COSPIRAL_DATABASE_URL says, and so do the tests marked
    ``database_independent``: they read the database only to have pages to look at, and
    check what no database changes (layout at a phone's width, axe, the catalogue's
    strings); that those pages answer on every database is checked by unmarked tests."""
    if not config.getoption("--database-tests-only"):
        return
    kept, dropped = [], []
    for item in items:
        uses = item.get_closest_marker("django_db") is not None or any(
            name in getattr(item, "fixturenames", ()) for name in DATABASE_FIXTURES)
        independent = item.get_closest_marker("database_independent") is not None
        (kept if uses and not independent else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` with the tests of a class kept together on one worker (so a
    class fixture such as ``built_demo`` is built once), every other test sent to any
    worker. xdist's own loadgroup marks the group in ``item._nodeid``, which pytest 9 no
    longer reads, so its groups were split across workers; this groups by class instead."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ClassScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            parts = nodeid.split("::")
            if len(parts) >= 3 and parts[1].startswith("Test"):
                return "::".join(parts[:2])  # module::Class
            return nodeid

    return ClassScheduling(config, log)


ROLES = ("coordinator", "facilitator", "partner", "observer")
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users: a fast hasher keeps fixtures quick (never in production)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_pdf_cache(tmp_path, monkeypatch):
    """Each test keeps its PDFs apart: a rolled-back test database gives ids again."""
    monkeypatch.setattr("cospiral.core.pdfs.cache_dir", lambda: tmp_path / "pdf-cache")


@pytest.fixture(autouse=True)
def _suggestions_at_once(settings):
    """Suggestion models are built at once in tests (in a background thread in
    production), and every test starts with none in memory and its own cache keys."""
    import uuid

    from cospiral.coding import suggestions

    settings.COSPIRAL_SUGGEST_BACKGROUND = "immediate"
    settings.COSPIRAL_SUGGEST_CACHE_PREFIX = f"test-suggest-{uuid.uuid4().hex}"
    suggestions.reset()
    yield
    suggestions.reset()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request through LocaleMiddleware
    leaves its language active in the thread, and under pytest-xdist the test that ran
    before in a worker may be any test."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_sign_in_lockout(settings):
    """django-axes needs the request in ``authenticate``, which the test client's
    ``login`` does not pass; its own tests turn it on (tests/integration/test_accounts_*)."""
    settings.AXES_ENABLED = False


@pytest.fixture(scope="session", autouse=True)
def _no_setup_link_at_start_up():
    """No setup link printed (nor asked of the database) when a test server builds its
    handler; session-wide so that it is off before the live server starts."""
    from django.conf import settings

    settings.COSPIRAL_FIRST_RUN_ANNOUNCE = False


@pytest.fixture
def grid_version(db):
    """A small grid version (independent of the shipped default grid)."""
    from cospiral.grid.models import GridEntry, GridVersion

    version = GridVersion.objects.create(slug="test-grid", name="Test grid")
    families = {}
    for position, (code, fr, en) in enumerate(
        [
            ("A", "Accès aux moyens de vie", "Access to means of living"),
            ("A00", "Moyens de vie en général", "Means of living in general"),
            ("A01", "Alimentation", "Food and drink"),
            ("A03", "Logement", "Housing"),
            ("B", "Cadre de vie", "Living environment"),
            ("B00", "Cadre de vie en général", "Living environment in general"),
            ("B01", "Pollution, bruit", "Pollution, noise"),
        ]
    ):
        kind = "family" if len(code) == 1 else "component"
        entry = GridEntry.objects.create(
            version=version, code=code, kind=kind, parent=families.get(code[0]),
            labels={"fr": fr, "en": en}, source="published", position=position,
        )
        if kind == "family":
            families[code] = entry
    return version


def _make_territory(slug, name, grid_version):
    from django.contrib.auth import get_user_model

    from cospiral.cards.models import Card, Question
    from cospiral.groups.models import Group, Session
    from cospiral.territories.models import Membership
    from cospiral.territories.services import create_territory

    User = get_user_model()
    territory = create_territory(slug=slug, name=name, grid_version=grid_version)
    users = {}
    for role in ROLES:
        user = User.objects.create_user(f"{slug}-{role}", password=PASSWORD)
        Membership.objects.create(territory=territory, user=user, role=role)
        users[role] = user
    group = Group.objects.create(territory=territory, name=f"{name} young people",
                                 profile="young people 15-25")
    group.facilitators.add(users["facilitator"])
    session = Session.objects.create(territory=territory, group=group,
                                     date=dt.date(2026, 10, 1), place="Town hall",
                                     attendee_count=9)
    q1 = Question.objects.of(territory).get(code="Q1")
    cards = [
        Card.objects.create(territory=territory, group=group, session=session, question=q1,
                            text=f"{name} secret card {i}", language="fr")
        for i in range(3)
    ]
    from cospiral.coding import counts

    counts.recompute(territory)  # the cards were written directly: count them
    return SimpleNamespace(territory=territory, users=users, group=group, session=session,
                           q1=q1, cards=cards)


@pytest.fixture
def world(db, grid_version):
    """Two territories, ``alpha`` and ``beta``, each with a user per role, a group with a
    facilitator, a session and three cards whose text contains the territory's name."""
    return SimpleNamespace(
        alpha=_make_territory("alpha", "Alphaville", grid_version),
        beta=_make_territory("beta", "Betatown", grid_version),
        password=PASSWORD,
    )


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in as that user and returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def make_wave(world):
    """``make_wave(world.alpha, indicators=3, ...)`` builds complete indicators on the
    territory's components and a survey wave using them (opened unless ``open=False``);
    returns a namespace with ``wave``, ``indicators`` and ``t`` (the territory's namespace)."""

    def _make(t=None, *, indicators=3, profile_questions=("age_band", "neighbourhood"),
              open=True, title="Neighbourhood survey", **fields):
        from cospiral.grid.models import GridEntry
        from cospiral.indicators.models import Indicator, IndicatorCriterion
        from cospiral.surveys import services

        t = t or world.alpha
        components = list(GridEntry.objects.of(t.territory).filter(kind="component")
                          .order_by("position"))
        made = []
        first = Indicator.objects.of(t.territory).count() + 1  # codes unique per territory
        for i in range(indicators):
            component = components[i % len(components)]
            made.append(Indicator.objects.create(
                territory=t.territory, code=f"{component.code}-{first + i}", component=component,
                titles={"fr": f"Indicateur {i + 1}", "en": f"Indicator {i + 1}"},
                levels=[{"fr": f"Situation {n} ({t.territory.name})", "en": f"Situation {n}"}
                        for n in range(1, 6)],
            ))
            IndicatorCriterion.objects.create(territory=t.territory, indicator=made[-1],
                                              category="possibility", text="Having access")
        profile_questions = list(profile_questions)
        defaults = {
            "neighbourhoods": ["Centre", "North", "South"] if "neighbourhood" in profile_questions else [],
            "group_profiles": ["Young people", "Parents"] if "group_profile" in profile_questions else [],
            "consent_text": "Optional questions, used only for anonymous statistics." if profile_questions else "",
        }
        defaults.update(fields)
        coordinator = t.users["coordinator"]
        wave = services.create_wave(t.territory, user=coordinator, title=title,
                                    profile_questions=profile_questions, **defaults)
        services.set_indicators(wave, made, user=coordinator)
        if open:
            services.open_wave(wave, user=coordinator)
        wave.refresh_from_db()
        return SimpleNamespace(wave=wave, indicators=made, t=t)

    return _make


@contextlib.contextmanager
def _class_transaction(django_db_blocker, tmp_path_factory):
    """The settings of the function-scoped fixtures above (not active yet for a class
    fixture), and a transaction opened around the class and rolled back after it: what is
    written inside it is seen by the class's tests only (each in a savepoint of it,
    pytest-django's ``db``)."""
    import uuid

    from django.db import transaction
    from django.test.utils import override_settings

    from cospiral.coding import suggestions

    overrides = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        COSPIRAL_SUGGEST_BACKGROUND="immediate",
        COSPIRAL_SUGGEST_CACHE_PREFIX=f"test-suggest-{uuid.uuid4().hex}",
        AXES_ENABLED=False,
    )
    pdf_cache = tmp_path_factory.mktemp("class-pdf-cache")
    patch = pytest.MonkeyPatch()
    patch.setattr("cospiral.core.pdfs.cache_dir", lambda: pdf_cache)
    overrides.enable()
    suggestions.reset()
    outer = transaction.atomic()
    try:
        with django_db_blocker.unblock():
            outer.__enter__()
        try:
            yield
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)
    finally:
        suggestions.reset()
        overrides.disable()
        patch.undo()


@pytest.fixture(scope="class")
def built_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """``cospiral demo`` run once for a class of tests that read it (building it takes a
    minute): the demo is written inside a transaction opened around the class, each test
    runs in a savepoint of it (pytest-django's ``db``), and the whole is rolled back after
    the class, so no other test sees it. Use it on a class (``@pytest.mark.usefixtures``):
    under xdist a class runs on one worker (``pytest_xdist_make_scheduler``). Returns a
    namespace with ``output``, what the first run printed."""
    import io

    from django.core.management import call_command

    with _class_transaction(django_db_blocker, tmp_path_factory):
        out = io.StringIO()
        with django_db_blocker.unblock():
            call_command("demo", no_serve=True, stdout=out)
        yield SimpleNamespace(output=out.getvalue())
