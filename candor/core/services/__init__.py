"""Every state change in Candor. Views, the API, the CLI and tests call these; none else write."""

from candor.core.services.base import Actor
from candor.core.services.components import (
    create_component,
    create_group,
    delete_component,
    delete_group,
    recompute,
    set_baseline_status,
    update_component,
    update_group,
)
from candor.core.services.corrections import delete_update, edit_update
from candor.core.services.incidents import (
    declare_incident,
    delete_incident,
    edit_incident,
    post_update,
)
from candor.core.services.ordering import arrange_components
from candor.core.services.pages import create_page, ensure_default_page, update_page
from candor.core.services.postmortems import (
    delete_postmortem,
    publish_postmortem,
    revert_postmortem,
    save_postmortem,
)
from candor.core.services.team import (
    confirm_two_factor,
    disable_two_factor,
    invite_user,
    resend_invitation,
    set_two_factor_required,
    start_two_factor,
    verify_second_factor,
)
from candor.core.services.templates import (
    delete_incident_template,
    delete_snippet,
    save_incident_template,
    save_snippet,
)
from candor.core.services.users import create_user, update_user

__all__ = [
    "Actor",
    "arrange_components",
    "create_component",
    "create_group",
    "create_page",
    "confirm_two_factor",
    "create_user",
    "disable_two_factor",
    "invite_user",
    "resend_invitation",
    "set_two_factor_required",
    "start_two_factor",
    "verify_second_factor",
    "declare_incident",
    "delete_component",
    "delete_group",
    "delete_incident_template",
    "delete_incident",
    "delete_postmortem",
    "delete_snippet",
    "delete_update",
    "edit_incident",
    "edit_update",
    "ensure_default_page",
    "post_update",
    "publish_postmortem",
    "recompute",
    "revert_postmortem",
    "save_incident_template",
    "save_postmortem",
    "save_snippet",
    "set_baseline_status",
    "update_component",
    "update_group",
    "update_page",
    "update_user",
]
