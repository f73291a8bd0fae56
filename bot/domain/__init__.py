"""Pure nouns and rules: content (regions, offices, services, articles), opening
hours, calendars and how an article ends. No SQL, YAML, NLU or I/O."""
