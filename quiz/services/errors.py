"""Errors a service raises. Each message is safe and useful to show to the person acting."""


class ServiceError(Exception):
    """Base class: the action was refused or failed; ``str(err)`` explains why in plain words."""


class PermissionDenied(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class InvalidInput(ServiceError):
    pass


class AuthError(ServiceError):
    pass


class AccountLocked(AuthError):
    pass


class Conflict(ServiceError):
    """The action does not fit the current state (e.g. answering a submitted attempt)."""
