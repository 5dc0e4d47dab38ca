"""The exceptions coach raises on purpose.

Every error a user can cause (a bad file, a missing model, an unknown device)
is a :class:`CoachError`; the CLI prints its message on one line and exits
non-zero. Anything else is a bug.
"""


class CoachError(Exception):
    """Base of every error coach reports to the user."""


class AudioError(CoachError):
    """The input cannot be read as audio (missing, empty, corrupt, no audio track, NaN)."""


class ModelError(CoachError):
    """The speech model cannot be found, verified or loaded."""


class DeviceError(CoachError):
    """The requested compute device or audio device is not available."""


class ConfigError(CoachError):
    """An option has a value coach cannot use."""
