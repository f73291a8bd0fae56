"""Authoring: flow files as people write them (YAML with line numbers and comments),
their checks in root-cause order, and the console's step-by-step editing of them."""
