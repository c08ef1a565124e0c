import pytest
from rest_framework.test import APIClient

from api.models import ApiToken


def client_for(user) -> APIClient:
    _token, key = ApiToken.issue(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def rep_api(rep):
    return client_for(rep)


@pytest.fixture
def manager_api(manager):
    return client_for(manager)
