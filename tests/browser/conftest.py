import pytest

from tests.browser.operator import build_page


@pytest.fixture
def operator_page(transactional_db, django_user_model):
    """The default page with a group and components, an Administrator and a Responder."""
    return build_page(django_user_model)
