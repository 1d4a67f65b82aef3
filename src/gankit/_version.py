"""The single place where the gankit version is defined."""

__all__ = ["__version__"]

__version__ = "0.1.0"
