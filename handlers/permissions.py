"""Who may change a team's criteria: ONE policy, used for every platform.

Subcommands declare it (`@criteria.sub(…, who=EDITORS)`); dispatch enforces it before they run.
"""

from __future__ import annotations

from bot.config import TeamConfig
from bot.core.models import Request
from handlers.deps import Deps
from handlers.registry import Permission, PermissionDenied


def can_edit(team: TeamConfig, req: Request) -> bool:
    """True when `req`'s user may change `team`'s criteria.

    An empty editors list means everyone. Otherwise an entry names a user ("slack:U123",
    "discord:456", "console:alice") or a platform role ("discord-role:Leads"); role names
    compare case-insensitively because people type them as they remember them.
    """
    if not team.editors:
        return True
    # A permission the platform vouches for, never a role name: anyone may call a role "admin".
    if req.is_admin:
        return True
    user = f"{req.platform}:{req.user}".lower()
    roles = {f"{req.platform}-role:{r}".lower() for r in req.roles}
    for entry in team.editors:
        e = entry.strip().lower()
        if e == user or e in roles:
            return True
    return False


def require_editor(team: TeamConfig, req: Request, *, action: str = "change the criteria") -> None:
    """Raise PermissionDenied (shown to the user) unless `can_edit` allows the request."""
    if not can_edit(team, req):
        raise PermissionDenied(
            f"Only the editors of team {team.name} may {action}. Editors: {', '.join(team.editors)}. "
            "Ask one of them, or an admin to add you to `editors` in config.toml."
        )


def editors_only(action: str = "change the criteria") -> Permission:
    """Who may run a subcommand: the team's editors; anyone else is told who may `action`."""

    def check(req: Request, deps: Deps) -> None:
        require_editor(deps.team_of(req), req, action=action)

    return Permission("editors only", check)


EDITORS = editors_only()  # the /criteria subcommands that change the criteria
