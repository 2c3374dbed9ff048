"""How a download names itself: the real (often Chinese) name, and a plain ASCII one beside it.

Browsers read ``filename*`` (RFC 6266 / 5987, UTF-8); a client that cannot would otherwise show
Werkzeug's ASCII fallback of a Chinese name, which is ``-.xlsx``. Every download gives its own
readable fallback instead, such as ``summary-12.xlsx``.
"""

from urllib.parse import quote


def content_disposition(name: str, fallback: str, inline: bool = False) -> str:
    kind = "inline" if inline else "attachment"
    ascii_name = fallback.encode("ascii", "ignore").decode().replace('"', "") or "download"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
