"""The web server: the local chat page (and, later, the staff consoles)."""
