from django.core.management import call_command
from django.test import RequestFactory

from candor import errors
from candor.public.export import file_for
from candor.public.render import render_everything
from tests.public.factories import full_page


def test_export_writes_the_bytes_that_are_served(client, tmp_path, default_page):
    data = full_page(default_page)
    call_command("export", str(tmp_path))
    paths = [d.path for d in render_everything(default_page)]
    assert f"/incidents/{data['past'].pk}/postmortem" in paths
    for path in paths:
        if path == "/500":  # what candor/errors.py answers when a request fails
            served = errors.server_error(RequestFactory().get("/"))
        else:
            served = client.get("/incidents/unknown" if path == "/404" else path)
        assert (path, (tmp_path / file_for(path)).read_bytes()) == (path, served.content)


def test_export_lays_pages_out_for_a_static_web_server(tmp_path, default_page):
    call_command("export", str(tmp_path))
    for name in (
        "index.html",
        "history/index.html",
        "404.html",
        "history.atom",
        "history.rss",
        "api/v2/summary.json",
        "api/v2/incidents/unresolved.json",
        "api/v2/scheduled-maintenances/upcoming.json",
        "static/public/status.css",
        "static/public/status.js",
    ):
        assert (name, (tmp_path / name).is_file()) == (name, True)


def test_file_for_maps_urls_to_files():
    assert [file_for(p) for p in ("/", "/history/2", "/incidents/abc", "/api/v2/x.json")] == [
        "index.html",
        "history/2/index.html",
        "incidents/abc/index.html",
        "api/v2/x.json",
    ]


def test_export_writes_the_gzipped_bytes_that_are_served(client, tmp_path, default_page):
    full_page(default_page)
    call_command("export", str(tmp_path))
    served = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert (tmp_path / "index.html.gz").read_bytes() == served.content
