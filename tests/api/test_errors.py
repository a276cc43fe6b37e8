"""A service's refusal becomes an API status by its code, never by its field or its wording."""

import pytest

from candor.api.http import validation_error
from candor.core.services.base import CONFLICT, DUPLICATE, NOT_FOUND, fail


@pytest.mark.parametrize(
    ("code", "status"), [(CONFLICT, 409), (DUPLICATE, 409), (NOT_FOUND, 404), (None, 422)]
)
def test_validation_error_status_follows_the_code(code, status):
    error = validation_error(fail("incident", "Refused.", code))
    assert (error.status, error.errors) == (status, {"incident": ["Refused."]})
