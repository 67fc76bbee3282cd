"""User-facing errors: the CLI prints these as one clear message, never as a traceback."""


class VirtaError(Exception):
    """An error with a message meant for the user, and an optional hint on what to do."""

    def __init__(self, message: str, hint: str | None = None, exit_code: int = 2):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message + (f"\n  hint: {self.hint}" if self.hint else "")
