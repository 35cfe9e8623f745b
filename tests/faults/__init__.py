"""Fault suite: the bot under kills, signals and outages, bounded in time."""
