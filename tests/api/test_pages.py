from candor.core.models import AuditEntry, Page


def test_api_lists_pages(page, api):
    response = api.get("pages")
    assert response.status_code == 200
    assert [p["name"] for p in response.json()] == ["Acme Status"]


def test_api_gets_a_page(page, api):
    response = api.get(f"pages/{page.pk}")
    body = response.json()
    assert (response.status_code, body["id"], body["time_zone"]) == (200, page.pk, "Europe/Paris")


def test_api_updates_a_page_with_patch_and_put(page, api):
    patched = api.patch(f"pages/{page.pk}", {"page": {"name": "Acme", "subdomain": "ignored"}})
    put = api.put(f"pages/{page.pk}", {"page": {"time_zone": "America/New_York"}})
    assert (patched.status_code, patched.json()["name"]) == (200, "Acme")
    assert (put.status_code, put.json()["time_zone"]) == (200, "America/New_York")


def test_api_page_validation_error_writes_nothing(page, api):
    before = AuditEntry.objects.count()
    response = api.patch(f"pages/{page.pk}", {"page": {"name": "Acme", "time_zone": "Mars/Base"}})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["time_zone"]
    assert (Page.objects.get(pk=page.pk).name, AuditEntry.objects.count()) == (
        "Acme Status",
        before,
    )


def test_api_unknown_page_is_a_404(db, api, page):
    assert api.get("pages/nosuchpage00").status_code == 404
