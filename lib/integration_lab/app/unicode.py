"""Whether a decoded value is text every wire and Redis can carry.

JSON may spell a lone surrogate (`"\\ud800"`): Python decodes it to a str that UTF-8 cannot encode, so it can
be neither stored in Redis nor echoed in a reply. Such a str is refused as malformed input, never half-used.
"""

from __future__ import annotations


def is_unicode(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
