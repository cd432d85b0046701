"""Errors the client raises on the caller's thread. Delivery problems are never raised: they are
retried, spooled, or written to rejected.ndjson, and reported as warnings."""


class XpClientError(Exception):
    """Base class of the client's errors."""


class ConfigurationError(XpClientError):
    """The client cannot start as configured (a bad URL, a missing experiment, ...)."""


class InvalidEventError(XpClientError, ValueError):
    """A log call lacks what the event's schema requires; the message names the field."""
