"""virta: reference analytics warehouse for Finnish wellbeing services counties."""

__version__ = "0.1.0"
