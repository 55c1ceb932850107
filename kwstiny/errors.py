"""Errors a user can act on.

Anything raised as a `KwstinyError` is printed by the CLI as one clear message
(no traceback) and ends the command with exit status 1.
"""


class KwstinyError(Exception):
    """A problem with the user's input or environment, worded for the user."""


class SettingError(KwstinyError, ValueError):
    """A setting has a value it cannot take."""

    def __init__(self, owner: str, name: str, value, allowed: str):
        self.owner, self.name, self.value, self.allowed = owner, name, value, allowed
        super().__init__(f"{owner}.{name} = {value!r} is not allowed: {allowed}")


def check(condition: bool, owner: str, name: str, value, allowed: str) -> None:
    """Raise a `SettingError` naming the setting unless `condition` holds."""
    if not condition:
        raise SettingError(owner, name, value, allowed)
