"""Microsoft Teams: a Workflows webhook (Power Automate) posting one Adaptive Card."""

from candor.core.channels.teams.format import TeamsChannel

CHANNEL = TeamsChannel()
