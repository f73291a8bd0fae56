"""Channels: adapters between a messaging surface and the runner's neutral messages."""
