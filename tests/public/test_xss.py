import json
from datetime import timedelta
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from django.utils import timezone
from icalendar import Calendar

from candor.core import services
from candor.core.services import maintenance
from candor.public.render import render_everything, render_page
from candor.public.store import store
from tests.public.xss_corpus import PAYLOADS

OUR_SCRIPT = "/static/public/status.js"
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


class Executable(HTMLParser):
    """Collects anything a browser could run: scripts, handlers, dangerous URLs, risky tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        named = dict(attrs)
        harmless_meta = tag == "meta" and (
            "charset" in named or named.get("name") in ("viewport", "color-scheme")
        )
        risky = ("iframe", "object", "embed", "base", "meta", "form", "svg", "math", "style")
        if tag in risky and not harmless_meta:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name.startswith("on") or name in ("style", "formaction", "srcdoc"):
                self.found.append(f"{tag} {name}={value!r}")
            if name in ("href", "src", "action", "xlink:href") and value.startswith(BAD_SCHEMES):
                self.found.append(f"{tag} {name}={value!r}")
            ours = name == "src" and value.startswith(OUR_SCRIPT)
            if tag == "script" and not ours and name != "defer":
                self.found.append(f"script {name}={value!r}")
        if tag == "script" and "src" not in named:
            self.found.append("inline <script>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def executable(html):
    parser = Executable()
    parser.feed(html)
    return parser.found


def check_json(body):
    assert b"<" not in body and b">" not in body  # escaped: no markup can be read out of it
    json.loads(body)


def check_feed(body):
    root = ElementTree.fromstring(body)  # noqa: S314 - our own feed
    for element in root.iter():
        if element.tag.endswith(("summary", "description", "content")) and element.text:
            assert executable(element.text) == [], element.text


@pytest.fixture
def hostile(default_page):
    group = services.create_group(default_page, by=None, name=PAYLOADS[0])
    components = []
    for n, payload in enumerate(PAYLOADS):
        components.append(
            services.create_component(
                default_page,
                by=None,
                name=payload,
                description=payload,
                group=group if n % 2 else None,
            )
        )
    for n, payload in enumerate(PAYLOADS):
        incident = services.declare_incident(
            default_page,
            by=None,
            name=payload,
            impact="minor",
            components=[components[n]],
            message=payload,
        )
        if n % 5 == 0:
            services.post_update(incident, by=None, status="resolved", message=payload * 2)
            services.save_postmortem(
                incident,
                by=None,
                title=payload,
                summary=payload,
                root_cause=payload,
                corrective_actions=payload,
                impact_description=payload,
                body_draft=payload,
            )
            services.publish_postmortem(incident, by=None)
    start = timezone.now() + timedelta(days=1)
    for n, payload in enumerate(PAYLOADS[:10]):
        window = maintenance.schedule_maintenance(
            default_page,
            by=None,
            name=payload,
            scheduled_for=start + timedelta(hours=n),
            scheduled_until=start + timedelta(hours=n + 1),
            components=[components[n]],
            message=payload,
        )
        if n % 2:
            maintenance.start_maintenance(window, by=None, message=payload)
    return default_page


def test_xss_corpus_has_at_least_50_payloads():
    assert len(set(PAYLOADS)) >= 50


def test_xss_corpus_in_titles_messages_and_components_stays_inert(client, hostile):
    docs = {d.path: d for d in render_everything(hostile)}
    assert len(docs) > 60
    for path, doc in docs.items():
        if doc.content_type.startswith("text/html"):
            assert (path, executable(doc.body.decode())) == (path, [])
        elif doc.content_type.startswith("application/json"):
            check_json(doc.body)
        elif doc.content_type.startswith("text/calendar"):
            # Text in a calendar is data, never markup; it must read back as it was written.
            Calendar.from_ical(doc.body)
        else:
            check_feed(doc.body)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_corpus_in_page_settings_stays_inert(client, default_page, payload):
    services.update_page(default_page, by=None, name=payload[:255])
    render_page(default_page.pk)
    store.refresh()
    for path in ("/", "/history", "/404"):
        assert executable(store.document(path).body.decode()) == []
    check_json(store.site.docs["/api/v2/summary.json"].body)
    check_feed(store.site.docs["/history.atom"].body)
    check_feed(store.site.docs["/history.rss"].body)


def test_support_link_refuses_script_urls(default_page):
    with pytest.raises(Exception) as raised:
        services.update_page(default_page, by=None, support_url="javascript:alert(1)")
    assert type(raised.value).__name__ == "ValidationError"
