"""Bot API errors exactly as Telegram words them: the HTTP status equals error_code."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, code: int, description: str, **parameters):
        super().__init__(description)
        self.code, self.description = code, description
        self.parameters = {k: v for k, v in parameters.items() if v is not None}

    def body(self) -> dict:
        body = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:  # Telegram sends `parameters` only when it has some
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str, **parameters) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}", **parameters)


def worded(reason: str) -> ApiError:
    """A check's message as Client::fail_query_with_error words it: its first letter lowered, unless the
    message is a CONSTANT_NAME ("Can't find field" -> "Bad Request: can't find field")."""
    if len(reason) >= 2 and not (reason[1] == "_" or "A" <= reason[1] <= "Z"):
        reason = reason[0].lower() + reason[1:]
    return bad_request(reason)


NOT_FOUND = "Not Found"
METHOD_NOT_FOUND = "Not Found: method not found"
UNAUTHORIZED = "Unauthorized"
INVALID_TOKEN = "Unauthorized: invalid token specified"  # nosec B105  # Telegram's error text, no token
BLOCKED = "Forbidden: bot was blocked by the user"
KICKED = "Forbidden: bot was kicked from the group chat"
DEACTIVATED = "Forbidden: user is deactivated"
CONFLICT_WEBHOOK = ("Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first")
CONFLICT_POLLING = ("Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running")
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message")
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
TOO_LARGE = "Request Entity Too Large"


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def migrated(to_chat_id: int) -> ApiError:
    return bad_request("group chat was upgraded to a supergroup chat", migrate_to_chat_id=to_chat_id)
