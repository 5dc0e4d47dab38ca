"""coach: a local, private voice coach for spoken system-design interview practice."""

__version__ = "0.1.0"
