"""Every API error: its HTTP status and code live on the class; error_body() renders them all."""


class ApiError(Exception):
    status = 500
    code = "INTERNAL"
    default_message = "Internal server error"

    def __init__(self, message=None, field=None, headers=None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.field = field
        self.headers = headers or {}


def error_body(error):
    body = {"code": error.code, "message": error.message}
    if error.field:
        body["field"] = error.field
    return {"success": False, "error": body}


class ValidationError(ApiError):
    status, code = 400, "VALIDATION_ERROR"

    def __init__(self, field, message):
        super().__init__(message, field=field)


class InvalidJson(ApiError):
    status, code, default_message = 400, "INVALID_JSON", "Request body must be a JSON object"


class Unauthorized(ApiError):
    status, code, default_message = 401, "UNAUTHORIZED", "Authentication required"


class InvalidCredentials(ApiError):
    status, code, default_message = 401, "INVALID_CREDENTIALS", "Invalid email or password"


class InvalidToken(ApiError):
    status, code, default_message = 401, "INVALID_TOKEN", "Invalid or expired token"


class InvalidApiKey(ApiError):
    status, code, default_message = 401, "INVALID_API_KEY", "Invalid API key"


class Forbidden(ApiError):
    status, code, default_message = 403, "FORBIDDEN", "You are not allowed to do this"


class NotFound(ApiError):
    status, code = 404, "NOT_FOUND"

    def __init__(self, what="resource"):
        super().__init__(f"{what.capitalize()} not found")


class MethodNotAllowed(ApiError):
    status, code, default_message = 405, "METHOD_NOT_ALLOWED", "Method not allowed"


class Conflict(ApiError):
    status = 409

    def __init__(self, code, message, field=None):
        self.code = code
        super().__init__(message, field=field)


class TaskConflict(ApiError):
    """409s of claims with leases (SPEC §12.1); each subclass is one code."""

    status = 409


class TaskClaimed(TaskConflict):
    code, default_message = "TASK_CLAIMED", "Another identity holds a live lease on this task"


class TaskAssigned(TaskConflict):
    code, default_message = "TASK_ASSIGNED", "This task is assigned to someone else"


class TaskClosed(TaskConflict):
    code, default_message = "TASK_CLOSED", "This task is completed or cancelled"


class NotClaimed(TaskConflict):
    code, default_message = "NOT_CLAIMED", "This task has no lease"


class LeaseExpired(TaskConflict):
    code, default_message = "LEASE_EXPIRED", "The lease on this task has expired; claim it again"


class PayloadTooLarge(ApiError):
    status, code, default_message = 413, "PAYLOAD_TOO_LARGE", "Request body is too large"


class RateLimited(ApiError):
    status, code, default_message = 429, "RATE_LIMITED", "Too many requests"

    def __init__(self, retry_after, message=None):
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after + 0.999)))})
        self.retry_after = retry_after


class Unavailable(ApiError):
    status, code, default_message = 503, "UNAVAILABLE", "Service temporarily unavailable"


class Gone(ApiError):
    """410: the thing existed and can never be used again (an expired or revoked invite)."""

    status = 410

    def __init__(self, code, message):
        self.code = code
        super().__init__(message)


class InvalidInviteType(ApiError):
    status, code, default_message = 400, "INVALID_INVITE_TYPE", "This invite is for the other kind of account"
