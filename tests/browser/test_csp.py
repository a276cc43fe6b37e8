"""A real Chromium opens every page Django serves as HTML under its Content-Security-Policy and
reports no violation: no inline script or style, no style="" attribute, no other origin."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from candor.core import apikeys, links, services, subscriptions
from candor.core import setup as first_run
from candor.core.models import Page
from tests.support.personas import PASSWORD

# Registered before any script of the page runs (Playwright's init scripts are not subject to
# the page's policy), so even a violation in <head> is recorded.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.effectiveDirective + " blocked " + (e.blockedURI || "inline") +
    " at " + (e.sourceFile || location.pathname) + ":" + e.lineNumber);
});
"""


class Watched:
    """A tab whose every CSP report (console or event) is kept, page by page."""

    def __init__(self, tab, base):
        self.tab, self.base = tab, base
        self.console: list[str] = []
        tab.context.add_init_script(LISTEN)
        tab.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(f"{self.tab.url}: {message.text}")

    def visit(self, path, status=200):
        response = self.tab.goto(self.base + path)
        assert (path, response.status) == (path, status)
        policy = response.header_value("content-security-policy") or ""
        assert "script-src 'self'" in policy, path
        self.tab.wait_for_load_state("load")
        self.check(path)

    def check(self, where):
        seen = self.tab.evaluate("window.__violations || []")
        assert seen == [], f"CSP violations on {where}: {seen}"
        assert self.console == [], f"CSP reports in the console: {self.console}"


@pytest.fixture
def site(live_server, transactional_db):
    page = services.ensure_default_page()
    group = services.create_group(page, by=None, name="Help Desk")
    component = services.create_component(page, by=None, name="Ticket Submission", group=group)
    active = services.declare_incident(
        page,
        by=None,
        name="Slow ticket search",
        impact="minor",
        components=[component],
        message="Searching tickets is **slow**; we are investigating.",
    )
    now = timezone.now()
    resolved = services.declare_incident(
        page,
        by=None,
        name="Mail delays",
        status="resolved",
        impact="minor",
        components=[component],
        message="Mail was late for an hour.",
        started_at=now - timedelta(hours=3),
        resolved_at=now - timedelta(hours=2),
    )
    services.save_postmortem(resolved, by=None, title="Mail delays", summary="A queue filled.")
    subscriber, _ = subscriptions.add_subscriber(
        page, by=None, mode="email", email="ann@example.com"
    )
    return {
        "page": page,
        "group": group,
        "component": component,
        "active": active,
        "resolved": resolved,
        "subscriber": subscriber,
    }


@pytest.mark.browser
def test_every_html_page_loads_without_a_csp_violation(live_server, browser_page, site):
    watched = Watched(browser_page, live_server.url)
    tab = browser_page
    active, resolved = site["active"], site["resolved"]

    # First run: the one-time setup link, filled in, signs the first administrator in.
    token = first_run.issue_token()
    watched.visit(f"/setup/{token}/")
    tab.fill("[name=username]", "alice")
    tab.fill("[name=email]", "alice@example.com")
    tab.fill("[name=password1]", PASSWORD)
    tab.fill("[name=password2]", PASSWORD)
    tab.get_by_role("button", name="Create administrator").click()
    tab.wait_for_url(f"{live_server.url}/manage/")
    watched.check("/manage/ after setup")

    alice = get_user_model().objects.get(username="alice", is_superuser=True)
    apikeys.create_api_key(by=alice, name="Monitoring", page=site["page"])
    update = active.updates.get()
    for path in [
        "/manage/",
        "/manage/incidents/new/",
        "/manage/incidents/new/?status=resolved",
        f"/manage/incidents/{active.pk}/",
        f"/manage/incidents/{active.pk}/rename/",
        f"/manage/incidents/{active.pk}/delete/",
        f"/manage/incidents/{resolved.pk}/",
        f"/manage/incidents/{resolved.pk}/postmortem/",
        "/manage/components/",
        "/manage/components/new/",
        f"/manage/components/{site['component'].pk}/",
        f"/manage/components/{site['component'].pk}/delete/",
        "/manage/groups/new/",
        f"/manage/groups/{site['group'].pk}/",
        "/manage/settings/",
        "/manage/subscribers/",
        f"/manage/subscribers/deliveries/{update.pk}/",
        "/manage/users/",
        "/manage/users/new/",
        "/manage/api-keys/",
        "/manage/api-keys/new/",
        "/manage/audit/",
        "/manage/password/",
        "/manage/two-factor/",
    ]:
        watched.visit(path)

    # The scripts still work under the policy: the live Markdown preview asks the server.
    watched.visit("/manage/incidents/new/")
    tab.get_by_label("Initial Message").fill("We are *looking* into it.")
    tab.locator("[data-preview-box] .preview em").wait_for()
    # The retroactive fields appear when Resolved is chosen (the script toggles `hidden`).
    tab.check("#id_status_resolved")
    tab.get_by_label("Started at").wait_for(state="visible")
    watched.check("create incident, scripted")

    # Signed out: login and the password reset pages.
    tab.get_by_role("button", name="Log out").click()
    for path in [
        "/manage/login/",
        "/manage/password-reset/",
        "/manage/password-reset/sent/",
        "/manage/password-reset/complete/",
        "/manage/password-reset/MQ/not-a-token/",
    ]:
        watched.visit(path)
    watched.visit("/manage/login/")
    tab.get_by_label("Username").fill("alice")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url(f"{live_server.url}/manage/")
    watched.check("/manage/ after login")

    # The public subscription pages (Django-served, on the public layout).
    subscriber = site["subscriber"]
    for path in [
        "/subscribe/",
        f"/subscribe/manage/{links.manage_token(subscriber.pk)}/",
        f"/subscribe/unsubscribe/{links.manage_token(subscriber.pk)}/",
        f"/subscribe/confirm/{links.confirm_token(subscriber.pk)}/",
    ]:
        watched.visit(path)
    watched.visit("/subscribe/confirm/not-a-token/", status=400)

    # The API reference lays out /v1/openapi.json with its own script, no CDN.
    watched.visit("/v1/docs")
    tab.locator("#api-docs table").first.wait_for(state="attached")
    watched.check("/v1/docs, laid out")
    assert Page.objects.count() == 1
