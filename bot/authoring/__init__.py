"""Authoring: the files staff write, as they write them — content YAML, and flow files
(YAML with line numbers and comments) with their checks in root-cause order and the
console's step-by-step editing of them."""
