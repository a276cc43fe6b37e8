"""What the operator-side browser tests share: a page with components, a signed-in tab in each
colour scheme and width the issue names (light and dark, 1280 and 375 px)."""

from __future__ import annotations

from candor.core import services

PASSWORD = "correct horse battery"
# (colour scheme, viewport width): every operator screen is checked in all four.
VIEWS = [("light", 1280), ("dark", 1280), ("light", 375), ("dark", 375)]
VIEW_IDS = [f"{scheme}-{width}" for scheme, width in VIEWS]


def build_page(django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    django_user_model.objects.create_user("rita", "rita@example.com", PASSWORD)
    page = services.ensure_default_page()
    page = services.update_page(page, by=None, name="Acme Status", time_zone="Europe/Paris")
    help_desk = services.create_group(page, by=None, name="Help Desk")
    for name in ("Ticket Submission", "Knowledge Base"):
        services.create_component(page, by=None, name=name, group=help_desk)
    services.create_component(page, by=None, name="Email")
    return page


def signed_in_tab(browser, base, scheme: str, width: int, user: str = "admin"):
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.goto(f"{base}/manage/login/")
    tab.get_by_label("Username").fill(user)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url(f"{base}/manage/")
    return tab
