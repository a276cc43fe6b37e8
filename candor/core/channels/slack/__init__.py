"""Slack: an incoming webhook (https://hooks.slack.com/services/...), Block Kit messages."""

from candor.core.channels.slack.format import SlackChannel

CHANNEL = SlackChannel()
