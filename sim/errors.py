"""The one error type for bad input, shared by every part (a leaf module: it imports nothing of ours)."""


class ConfigError(ValueError):
    """Bad input: the message is one line naming the key or element and what is allowed."""

    def __init__(self, message: str) -> None:
        # One line, whatever the user typed into a value (newlines are shown escaped).
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))
