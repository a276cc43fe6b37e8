"""Templates in a real Chromium: made in their tab, picked in Create Incident and Post Update."""

import pytest

from candor.core import services
from candor.core.models import Incident, IncidentTemplate, UpdateSnippet
from tests.browser.operator import VIEW_IDS, VIEWS, signed_in_tab
from tests.conftest import assert_accessible, screenshot


@pytest.mark.browser
def test_manage_template_made_in_its_tab_prefills_create_incident(
    live_server, browser, operator_page
):
    tab = signed_in_tab(browser, live_server.url, "light", 1280, user="rita")
    tab.get_by_role("link", name="Templates").click()
    tab.get_by_role("link", name="Add incident template").click()
    tab.get_by_label("Template name").fill("Email delays")
    tab.get_by_label("Incident title").fill("Email delivery delayed")
    tab.get_by_label("Identified").check()
    tab.get_by_label("Minor").check()
    tab.get_by_label("Email").check()
    tab.get_by_label("Initial Message").fill("Mail is slow; we are on it.")
    tab.get_by_role("button", name="Save template").click()
    tab.wait_for_selector(".message-success")
    assert IncidentTemplate.objects.get().title == "Email delivery delayed"

    tab.get_by_role("link", name="Create an incident from Email delays").click()
    assert tab.get_by_label("Title").input_value() == "Email delivery delayed"
    assert tab.locator("#id_status_identified").is_checked()
    assert tab.locator("#id_impact_minor").is_checked()
    assert "slow" in tab.get_by_label("Initial Message").input_value()
    tab.get_by_role("button", name="Create", exact=True).click()
    tab.wait_for_selector(".message-success")
    incident = Incident.objects.get()
    assert (incident.name, incident.status, incident.impact) == (
        "Email delivery delayed",
        "identified",
        "minor",
    )
    assert [a.component.name for a in incident.affected.all()] == ["Email"]
    tab.context.close()


@pytest.mark.browser
def test_manage_snippet_prefills_post_update(live_server, browser, operator_page):
    services.save_snippet(
        operator_page, by=None, name="Still on it", status="identified", body="Still working."
    )
    incident = services.declare_incident(operator_page, by=None, name="Slow", message="Hm.")
    tab = signed_in_tab(browser, live_server.url, "light", 1280)
    tab.goto(f"{live_server.url}/manage/incidents/{incident.pk}/")
    tab.get_by_label("Start from a snippet").select_option(label="Still on it")
    tab.get_by_role("button", name="Use snippet").click()
    assert tab.get_by_label("Update Message").input_value() == "Still working."
    assert tab.locator("#id_status_identified").is_checked()
    tab.get_by_role("button", name="Post", exact=True).click()
    tab.wait_for_selector(".message-success")
    assert incident.updates.filter(status="identified", body="Still working.").count() == 1
    tab.context.close()


@pytest.mark.browser
@pytest.mark.parametrize(("scheme", "width"), VIEWS, ids=VIEW_IDS)
def test_manage_templates_tab_passes_axe(live_server, browser, operator_page, scheme, width):
    services.save_incident_template(
        operator_page, by=None, name="Email delays", title="Email delayed", impact="minor"
    )
    services.save_snippet(operator_page, by=None, name="Still on it", body="Still working.")
    tab = signed_in_tab(browser, live_server.url, scheme, width)
    for path in ("/manage/templates/", "/manage/templates/new/", "/manage/snippets/new/"):
        tab.goto(live_server.url + path)
        assert_accessible(tab, f"{path} {scheme} {width}")
    tab.goto(f"{live_server.url}/manage/templates/")
    if (scheme, width) == ("light", 1280):
        screenshot(tab, "manage-templates")
    tab.goto(f"{live_server.url}/manage/incidents/new/")
    assert_accessible(tab, f"create incident with templates {scheme} {width}")
    tab.context.close()
    assert UpdateSnippet.objects.count() == 1
