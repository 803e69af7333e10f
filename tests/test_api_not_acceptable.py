"""An `Accept` header the API cannot answer (XML, an image) gets a 406 on every operation, before
anything else is checked: documented in the schema, in its error shape, saying what to send."""

import pytest
from rest_framework.test import APIClient

from tests.api_contract import openapi_schema, response_errors

# Any value resolves each path to its view: DRF refuses the Accept header before it looks anything up.
PATH_PARAMETERS = {"article_id": "0108775000", "customer_id": "abc", "id": "1"}


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["application/xml", "image/png"])
def test_every_operation_answers_an_accept_it_cannot_satisfy_with_its_documented_406(accept):
    schema = openapi_schema()
    client = APIClient()
    problems = []
    for path, operations in sorted(schema["paths"].items()):
        for method in operations:
            response = client.generic(method.upper(), path.format(**PATH_PARAMETERS), HTTP_ACCEPT=accept)
            if response.status_code != 406:
                problems.append(f"{method.upper()} {path}: {response.status_code}")
                continue
            body = response.json()
            problems += response_errors(schema, path, method, 406, body)
            if "Accept: application/json" not in body["detail"]:
                problems.append(f"{method.upper()} {path}: 406 says not what to send: {body}")
    assert problems == []
