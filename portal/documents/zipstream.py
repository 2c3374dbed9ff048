"""A ZIP written while it is sent: :mod:`zipfile` on an unseekable sink, drained after each member.

``zipfile`` writes each member's sizes in a data descriptor after its data when the output cannot
seek, and flags non-ASCII names as UTF-8 (general purpose bit 11) by itself, so ``unzip`` and
Python's zipfile read 申报书 names correctly. At most one member's bytes are held at a time.
"""

import io
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that keeps what was written until it is drained."""

    def __init__(self):
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> Iterator[bytes]:
        chunks, self._chunks = self._chunks, []
        if chunks:
            yield b"".join(chunks)


def zip_stream(members: Iterable[tuple[str, Callable[[], bytes]]]) -> Iterator[bytes]:
    """Yield a ZIP of ``members`` (name, function making the bytes), one member's chunk at a time."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, make in members:
            data = make()
            info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=len(data) > 0x7FFF0000) as member:
                member.write(data)
            del data
            yield from sink.drain()
    yield from sink.drain()


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_name(text: str, limit: int = 80) -> str:
    """A file name from user text: no path separators or control characters, not empty."""
    cleaned = _UNSAFE.sub("_", text).strip(" .") or "未命名"
    return cleaned[:limit]


def unique_names(names: Iterable[str]) -> list[str]:
    """``names`` with a counter added to repeats: ``a.pdf``, ``a（2）.pdf``."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        if count > 1:
            stem, dot, extension = name.rpartition(".")
            name = f"{stem}（{count}）.{extension}" if dot else f"{name}（{count}）"
        result.append(name)
    return result
