"""Authoring: reading and checking the files staff write (content YAML)."""
