import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.support.personas import Key


def rails_form(data, prefix=""):
    """Encode nested data the way Rails clients do: a[b]=1, a[ids][]=x, booleans as t/f."""
    pairs = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}[{key}]" if prefix else key
            pairs += rails_form(value, name)
    elif isinstance(data, list):
        for value in data:
            if isinstance(value, dict | list):
                pairs += rails_form(value, f"{prefix}[]")
            else:
                pairs += rails_form(value, f"{prefix}[]")
        if not data:
            pairs.append((f"{prefix}[]", ""))
    elif isinstance(data, bool):
        pairs.append((prefix, "t" if data else "f"))
    elif data is None:
        pairs.append((prefix, ""))
    else:
        pairs.append((prefix, str(data)))
    return pairs


class Api:
    """The management API as a client sees it: a key, JSON or form bodies, optional `.json`."""

    def __init__(self, key: str | Key, encoding: str = "json", suffix: str = ""):
        self.client = Client()
        self.key = key.token if isinstance(key, Key) else key
        self.encoding = encoding
        self.suffix = suffix

    def call(self, method, path, data=None, *, scheme="OAuth", headers=None):
        extra = {"HTTP_AUTHORIZATION": f"{scheme} {self.key}"} if self.key else {}
        extra.update(headers or {})
        url = f"/v1/{path}{self.suffix}"
        if data is None:
            return self.client.generic(method, url, **extra)
        if self.encoding == "json":
            body, content_type = json.dumps(data), "application/json"
        else:
            body, content_type = urlencode(rails_form(data)), "application/x-www-form-urlencoded"
        return self.client.generic(method, url, body, content_type=content_type, **extra)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, data=None, **kw):
        return self.call("POST", path, data, **kw)

    def patch(self, path, data=None, **kw):
        return self.call("PATCH", path, data, **kw)

    def put(self, path, data=None, **kw):
        return self.call("PUT", path, data, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


@pytest.fixture(params=["json", "form"])
def encoding(request):
    return request.param


@pytest.fixture(params=["", ".json"])
def suffix(request):
    return request.param


@pytest.fixture
def api(key_of_page, encoding, suffix):
    """The page's API as alice's automation calls it (tests/support/personas.py)."""
    return Api(key_of_page, encoding, suffix)


@pytest.fixture
def json_api(key_of_page):
    return Api(key_of_page)
