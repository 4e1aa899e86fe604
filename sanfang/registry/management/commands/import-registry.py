"""``sanfang import-registry``: the documented spelling of ``import_registry`` (Django finds a
command by its module name, and this module's name is the hyphenated one)."""

from .import_registry import Command  # noqa: F401
