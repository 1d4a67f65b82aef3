"""The single place where the gankit version is defined."""

__version__ = "0.1.0"
