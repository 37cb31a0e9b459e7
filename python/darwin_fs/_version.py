"""The SDK's version (kept in step with pyproject.toml)."""

__version__ = "2.1.0"
