"""The pure dialogue engine: flow model, loader, validation, diagram, extractor."""
