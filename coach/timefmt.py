"""How times on the recording are written for people."""


def clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a time or a duration, cut to the whole second (a moment at 24.9 s is in 0:24)."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
