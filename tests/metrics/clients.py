# SPDX-License-Identifier: GPL-2.0-only
"""HTTP clients for tests/metrics/run.sh and bench/metrics.sh, run inside the
node's netns against the worker's --prom-listen socket (127.0.0.1 there).

  clients.py request PORT METHOD PATH [PAD]   one request, HTTP/1.0; prints
      "STATUS HEADER_BYTES BODY_BYTES CONTENT_LENGTH ALLOW" (PAD: bytes of
      an extra header, for the size cap); "closed 0 0 - -" if the server
      closed without a status line
  clients.py hold PORT IDLE SLOW SECONDS      IDLE connections that send
      nothing and SLOW ones that send a request head one byte every 0.5 s
      and never finish it, held SECONDS; prints "connected" once they are
      (those past the limit and the backlog still wait), then
      "opened N closed_by_server N"
  clients.py pin PORT N GAP SECONDS            N clients, GAP seconds apart,
      that ask for /metrics and read the answer at 1 MiB a second, held
      SECONDS after the last; prints "pinned" once all asked

Every socket has a timeout and every loop a bound: nothing here runs longer
than asked, and it talks to 127.0.0.1 only.
"""
import socket
import sys
import time

HOST = "127.0.0.1"


def request(port, method, path, pad):
    head = "%s %s HTTP/1.0\r\nHost: localhost\r\n" % (method, path)
    if pad:
        head += "X-Pad: " + "a" * pad + "\r\n"
    data = b""
    with socket.create_connection((HOST, port), timeout=30) as s:
        try:
            s.sendall((head + "\r\n").encode())
        except OSError:
            pass  # the server may close while a too large head is sent
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(1 << 20)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    if not data.startswith(b"HTTP/"):
        print("closed 0 0 - -")
        return
    headers, _, body = data.partition(b"\r\n\r\n")
    lines = headers.decode("latin-1").split("\r\n")
    fields = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        fields[k.strip().lower()] = v.strip()
    print(lines[0].split()[1], len(headers), len(body),
          fields.get("content-length", "-"),
          fields.get("allow", "-").replace(" ", ""))


def hold(port, idle, slow, seconds):
    socks = []
    waiting = False
    for i in range(idle + slow):
        s = socket.socket()
        # One after the other, each connected before the next, until one is
        # not within 3.5 s (a dropped SYN is sent again after 1 s, then 2 s):
        # past the server's limit and the kernel's backlog, the rest only
        # send their SYNs.
        if not waiting:
            s.settimeout(3.5)
            waiting = s.connect_ex((HOST, port)) != 0
        else:
            s.setblocking(False)
            s.connect_ex((HOST, port))
        s.setblocking(False)
        socks.append((s, i >= idle))
    print("connected", flush=True)
    head = b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
    sent = [0] * len(socks)
    closed = set()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for i, (s, is_slow) in enumerate(socks):
            if i in closed:
                continue
            try:
                if is_slow:
                    s.send(head[sent[i]:sent[i] + 1] if sent[i] < len(head) else b"x")
                    sent[i] += 1
                elif not s.recv(1, socket.MSG_PEEK):
                    closed.add(i)
            except BlockingIOError:
                pass
            except OSError:
                closed.add(i)
        time.sleep(0.5)
    for s, _ in socks:
        s.close()
    print("opened", len(socks), "closed_by_server", len(closed))


def pin(port, n, gap, seconds):
    socks = []
    for i in range(n):
        if i:
            time.sleep(gap)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.settimeout(10)
        s.connect((HOST, port))
        s.sendall(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        socks.append(s)
    print("pinned", flush=True)
    # 1 MiB a second each: far from the 28 MB of a text of 10,000 targets,
    # but enough for the server to make progress, so that its idle timeout
    # (10 s without any) does not close them.
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for s in socks:
            budget = 1 << 20
            try:
                while budget > 0:
                    n = len(s.recv(min(budget, 65536), socket.MSG_DONTWAIT))
                    if not n:
                        break
                    budget -= n
            except BlockingIOError:
                pass
        time.sleep(1)
    for s in socks:
        s.close()


def main():
    if sys.argv[1] == "request":
        request(int(sys.argv[2]), sys.argv[3], sys.argv[4],
                int(sys.argv[5]) if len(sys.argv) > 5 else 0)
    elif sys.argv[1] == "pin":
        pin(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    elif sys.argv[1] == "hold":
        hold(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit("usage: clients.py request|hold|pin ...")


if __name__ == "__main__":
    main()
