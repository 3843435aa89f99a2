"""A minimal HTTP/1.1 exchange over asyncio streams, for keep-alive clients that send many small
requests to one server (the push sender, the chat benchmark)."""

import asyncio

# Responses that never carry a body, whatever their headers say (RFC 9112, 6.3).
_NO_BODY = {204, 304}


async def exchange(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    *,
    method: str,
    host: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
) -> tuple[int, dict[str, str], bytes]:
    """Send one request and read its response: (status, lower-cased headers, body)."""
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{head}"
        f"Content-Length: {len(body)}\r\n\r\n".encode("latin-1")
        + body
    )
    raw = await reader.readuntil(b"\r\n\r\n")
    lines = raw.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    answer: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            answer[name.strip().lower()] = value.strip()
    content = b""
    if status in _NO_BODY or 100 <= status < 200:
        pass
    elif answer.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            content += (await reader.readexactly(size + 2))[:size]
            if size == 0:
                break
    else:
        length = int(answer.get("content-length", "0"))
        if length:
            content = await reader.readexactly(length)
    return status, answer, content
