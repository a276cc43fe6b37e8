"""Every state change in Candor. Views, the API, the CLI and tests call these; none else write."""

from candor.core.services.base import Actor
from candor.core.services.components import (
    create_component,
    create_group,
    delete_component,
    delete_group,
    recompute,
    reorder_components,
    reorder_groups,
    set_baseline_status,
    update_component,
    update_group,
)
from candor.core.services.incidents import (
    declare_incident,
    delete_incident,
    edit_incident,
    edit_update,
    post_update,
)
from candor.core.services.pages import create_page, ensure_default_page, update_page
from candor.core.services.postmortems import (
    delete_postmortem,
    publish_postmortem,
    revert_postmortem,
    save_postmortem,
)
from candor.core.services.users import create_user, update_user

__all__ = [
    "Actor",
    "create_component",
    "create_group",
    "create_page",
    "create_user",
    "declare_incident",
    "delete_component",
    "delete_group",
    "delete_incident",
    "delete_postmortem",
    "edit_incident",
    "edit_update",
    "ensure_default_page",
    "post_update",
    "publish_postmortem",
    "recompute",
    "reorder_components",
    "reorder_groups",
    "revert_postmortem",
    "save_postmortem",
    "set_baseline_status",
    "update_component",
    "update_group",
    "update_page",
    "update_user",
]
