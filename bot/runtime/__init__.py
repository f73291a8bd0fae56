"""Receive → turn → send, and the jobs every worker runs (reminders, retention,
broadcasts): the only layer that sends, through the channels' protocol."""
