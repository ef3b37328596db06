"""Urban Art Studio's engine: the library, curation, delivery and viewers, with no Qt inside."""

__version__ = "0.1.0"
