"""Receive → turn → send, and the background jobs (announcements so far; the inbox,
dispatcher, runner, relay and reminders join as they move here)."""
