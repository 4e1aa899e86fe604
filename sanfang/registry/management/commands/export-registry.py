"""``sanfang export-registry``: the documented spelling of ``export_registry``."""

from .export_registry import Command  # noqa: F401
