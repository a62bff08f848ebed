"""Schema-driven: every operation of /api/openapi.json, called with data generated from
the spec itself (valid and invalid: schemathesis' positive and negative modes), answers
with a status the spec declares, the declared content type, and a body conforming to
the declared schema; invalid input is refused with a 4xx, never a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from cospiral.api import services as key_services
from cospiral.surveys import services as survey_services

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 12


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: requests through the WSGI app must not close the test
    transaction's connection (``close_old_connections`` closes one not in autocommit)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def schema(db, keep_test_connection):
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


def _run(operation, mode, *, headers, path_parameters):
    strategy = operation.as_strategy(generation_mode=mode, headers=headers,
                                     path_parameters=path_parameters)
    checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])
    seen = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def exercise(case):
        response = case.call()
        case.validate_response(response, checks=checks)
        seen.append(response.status_code)

    try:
        exercise()
    except Unsatisfiable:
        # Nothing to make invalid: the only parameters are fixed path parameters.
        if mode != GenerationMode.NEGATIVE or _has_inputs(operation):
            raise
    return seen


def _has_inputs(operation) -> bool:
    return bool(list(operation.query) or operation.body)


def test_every_operation_answers_as_its_spec_says(schema, world, make_wave, settings):
    settings.COSPIRAL_API_RATE = settings.COSPIRAL_ONLINE_RATE = "100000/m"
    cache.clear()
    t = world.alpha
    made = make_wave(indicators=2)
    token = survey_services.create_tokens(made.wave, 1, user=t.users["coordinator"])[0].token
    secret = key_services.create_key(t.territory, user=t.users["coordinator"], name="schema",
                                     role="coordinator").secret
    headers = {"Authorization": f"Bearer {secret}"}
    params = {"slug": "alpha", "wave_id": made.wave.pk, "token": token}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    statuses = {}
    for operation in operations:
        declared = operation.path_parameters
        fixed = {p.name: params[p.name] for p in declared if p.name in params}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            statuses[(operation.label, mode.value)] = _run(
                operation, mode, headers=headers, path_parameters=fixed)
        # Random path parameters (another territory's slug, unknown ids and tokens) too.
        statuses[(operation.label, "random path")] = _run(
            operation, GenerationMode.POSITIVE, headers=headers, path_parameters={})
    # Without a key (or with a wrong one) every keyed operation is a declared 401.
    for operation in operations:
        if operation.label.startswith("POST /api/surveys/"):
            continue
        for bad in ({}, {"Authorization": "Bearer csp_AAAAAAAA.unknownunknownunknown"}):
            statuses[(operation.label, f"bad key {bool(bad)}")] = codes = _run(
                operation, GenerationMode.POSITIVE, headers=bad,
                path_parameters={p.name: params[p.name] for p in operation.path_parameters
                                 if p.name in params})
            assert set(codes) == {401}, (operation.label, codes)
    # The valid requests really reached the data: every GET answered 200 at least once,
    # the survey answer was stored once (201) then refused (409).
    for operation in operations:
        codes = statuses[(operation.label, "positive")]
        if operation.method.upper() == "GET":
            assert 200 in codes, (operation.label, codes)
    answers = statuses[("POST /api/surveys/answers/{token}", "positive")]
    assert set(answers) <= {201, 409, 422} and answers.count(201) <= 1
    cache.clear()
