"""Typed domain errors. Each API maps them to HTTP in one place; nothing matches on messages."""

from __future__ import annotations


class LoketError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "error"


class TicketNotFound(LoketError):
    code = "ticket_not_found"

    def __init__(self, ref: str) -> None:
        super().__init__(f"ticket {ref} does not exist")
        self.ref = ref


class VersionConflict(LoketError):
    code = "version_conflict"

    def __init__(self, ticket_id: str, expected: int | None, actual: int | None = None) -> None:
        detail = f"ticket {ticket_id} was changed by someone else"
        if actual is not None:
            detail += f" (you sent version {expected}, current is {actual})"
        super().__init__(detail + "; reload it and try again")
        self.ticket_id = ticket_id
        self.expected = expected
        self.actual = actual


class InvalidTransition(LoketError):
    code = "invalid_transition"

    def __init__(self, status: str, action: str, reason: str = "") -> None:
        message = f"cannot {action.replace('_', ' ')} a ticket that is {status}"
        super().__init__(message + (f": {reason}" if reason else ""))
        self.status = status
        self.action = action


class InvalidRequest(LoketError):
    code = "invalid_request"


class Forbidden(LoketError):
    code = "forbidden"


class Unauthorized(LoketError):
    code = "unauthorized"


class ReferenceNotFound(LoketError):
    """The request's body names something that does not exist (a ticket to merge into, an upload to attach): the
    route's own resource is there, so not a 404; the caller can fix the reference and send again."""

    code = "reference_not_found"


class AttachmentNotFound(LoketError):
    code = "attachment_not_found"

    def __init__(self, ticket: str, entry_id: str, index: int) -> None:
        super().__init__(f"ticket {ticket} has no attachment {index} on entry {entry_id}")


class PayloadTooLarge(LoketError):
    code = "payload_too_large"


class PreconditionRequired(LoketError):
    """A change that must name the version it changes (If-Match) came without one."""

    code = "precondition_required"


class RateLimited(LoketError):
    """Too many requests in the current window (one source IP, one sender), or AWS throttled us."""

    code = "rate_limited"

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"rate limit {scope} reached; retry after {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after


class NotFound(LoketError):
    """An object of the directory or the configuration (agent, group, rule, macro) that does not exist."""

    code = "not_found"

    def __init__(self, kind: str, ref: str) -> None:
        super().__init__(f"{kind} {ref} does not exist")
        self.kind = kind
        self.ref = ref


class Unprocessable(LoketError):
    """A well-formed request whose content cannot be accepted (an unknown group in a rule, a pattern that does
    not compile, a negative capacity): the message says which and why."""

    code = "unprocessable"


class StillReferenced(LoketError):
    """Deleting something that tickets, rules or agents still point at, without saying where to move them."""

    code = "still_referenced"

    def __init__(self, kind: str, ref: str, referenced_by: list[str]) -> None:
        shown = ", ".join(referenced_by[:10]) + (
            f" and {len(referenced_by) - 10} more" if len(referenced_by) > 10 else ""
        )
        super().__init__(f"{kind} {ref} is still referenced by {shown}; say where to move them")
        self.kind = kind
        self.ref = ref
        self.referenced_by = referenced_by


class AlreadyExists(LoketError):
    """Creating a directory or configuration object whose name (or unique field, such as an address) is taken."""

    code = "already_exists"


class StaleVersion(LoketError):
    """A change to a directory or configuration object named a version that is no longer current (If-Match)."""

    code = "stale_version"

    def __init__(self, kind: str, ref: str, expected: int | None, actual: int | None = None) -> None:
        detail = f"{kind} {ref} was changed by someone else"
        if actual is not None:
            detail += f" (you sent version {expected}, current is {actual})"
        super().__init__(detail + "; reload it and try again")
        self.kind = kind
        self.ref = ref
        self.expected = expected
        self.actual = actual
