"""Discord: a channel webhook (https://discord.com/api/webhooks/...), one embed per message."""

from candor.core.channels.discord.format import DiscordChannel

CHANNEL = DiscordChannel()
