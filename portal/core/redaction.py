"""Password-link tokens kept out of what is stored or logged after the link has gone out.

A link ``/account/set-password/<token>`` lets whoever holds it set a password until it is used or
expires. Once its e-mail is sent, the outbox keeps the message without the token; access logs (gunicorn,
see :class:`RedactingGunicornLogger`, and nginx, see docs/deploy.md) write the path without it.
"""

import re

TOKEN_IN_LINK = re.compile(r"(/account/set-password/)[^/?#\s\"'<>]+")
REDACTED = "（链接已发送，为安全起见不再显示）"


def redact_tokens(text: str, replacement: str = REDACTED) -> str:
    """``text`` with the token of every password link replaced."""
    return TOKEN_IN_LINK.sub(lambda match: match.group(1) + replacement, text or "")


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # gunicorn is not needed to run the CLI or the tests
    _GunicornLogger = object


class RedactingGunicornLogger(_GunicornLogger):
    """gunicorn's logger with password-link tokens removed from every access-log field.

    ``gunicorn --logger-class portal.core.redaction.RedactingGunicornLogger ...``
    """

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact_tokens(value, "[redacted]") if isinstance(value, str) else value for key, value in atoms.items()
        }
