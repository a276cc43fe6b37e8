"""Local sinks for the fan-out benchmark: `python sinks.py smtp|http PORT STATUSFILE`.

Each counts what it receives and writes "count first last" (epoch seconds) to STATUSFILE
every 0.1 s, so the benchmark can tell when the last message arrived without slowing the sink.
"""

import asyncio
import sys
import time

state = {"count": 0, "first": 0.0, "last": 0.0}


def seen() -> None:
    t = time.time()
    if not state["count"]:
        state["first"] = t
    state["count"] += 1
    state["last"] = t


async def report(path: str) -> None:
    import os

    while True:
        reset = os.path.exists(path + ".reset")  # the benchmark starts a new round
        if reset:
            state.update(count=0, first=0.0, last=0.0)
        with open(path + ".tmp", "w") as f:
            f.write(f"{state['count']} {state['first']:.6f} {state['last']:.6f}\n")
        os.replace(path + ".tmp", path)
        if reset:
            os.remove(path + ".reset")
        await asyncio.sleep(0.1)


class Smtp(asyncio.Protocol):
    """Just enough SMTP: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It offers PIPELINING, as
    Postfix, Exim and the big providers do, and like Postfix's smtpd it answers the commands
    that arrived together in one write, flushed when it has read all it was sent (smtplib,
    used by the baseline loop, never pipelines: each of its commands gets its answer alone)."""

    def connection_made(self, transport):
        self.t = transport
        self.buf = b""
        self.data = False
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, chunk):
        self.buf += chunk
        replies = []
        try:
            self.answer(replies)
        finally:
            if replies:
                self.t.write(b"".join(replies))

    def answer(self, replies):
        while True:
            if self.data:
                end = self.buf.find(b"\r\n.\r\n")
                if end < 0:
                    return
                self.buf = self.buf[end + 5 :]
                self.data = False
                seen()
                replies.append(b"250 OK queued\r\n")
                continue
            end = self.buf.find(b"\r\n")
            if end < 0:
                return
            line, self.buf = self.buf[:end], self.buf[end + 2 :]
            verb = line[:4].upper()
            if verb == b"EHLO":
                replies.append(
                    b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                    b"250-SMTPUTF8\r\n250 SIZE 52428800\r\n"
                )
            elif verb == b"HELO":
                replies.append(b"250 sink\r\n")
            elif verb == b"DATA":
                self.data = True
                replies.append(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.t.write(b"".join(replies) + b"221 bye\r\n")
                replies.clear()
                self.t.close()
                return
            else:
                replies.append(b"250 OK\r\n")


class Http(asyncio.Protocol):
    def connection_made(self, transport):
        self.t = transport
        self.buf = b""
        self.need = -1

    def data_received(self, chunk):
        self.buf += chunk
        while True:
            if self.need < 0:
                end = self.buf.find(b"\r\n\r\n")
                if end < 0:
                    return
                head, self.buf = self.buf[:end], self.buf[end + 4 :]
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                self.need = length
            if len(self.buf) < self.need:
                return
            self.buf = self.buf[self.need :]
            self.need = -1
            seen()
            self.t.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")


async def main(kind: str, port: int, path: str) -> None:
    loop = asyncio.get_running_loop()
    protocol = Smtp if kind == "smtp" else Http
    server = await loop.create_server(protocol, "127.0.0.1", port, backlog=1024)
    asyncio.create_task(report(path))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
