#!/usr/bin/env python3
"""Load driver for benches/indisrvr.sh: TOTAL sessions of one command through indisrvr, CONC
at a time, each a fresh TCP connection (TLS with --cafile), login, command, output, status.

usage: indisrvr_load.py HOST PORT USER PASSWORD_FILE TOTAL CONC INDEX COMMAND [--cafile CA] [--expect N]
(a session counts as a success when the status is N, default 0)
prints: sessions/s, latency p50/p95/max in ms, failures.
"""
import re
import socket
import ssl
import sys
import threading
import time

TRAILER = re.compile(rb"RETURNSTATUS(-?[0-9]+)\Z")


def main():
    args = sys.argv[1:]
    cafile = None
    if "--cafile" in args:
        i = args.index("--cafile")
        cafile = args[i + 1]
        del args[i:i + 2]
    expect = b"0"
    if "--expect" in args:
        i = args.index("--expect")
        expect = args[i + 1].encode()
        del args[i:i + 2]
    host, port, user, pwfile, total, conc, index, command = args
    port, total, conc = int(port), int(total), int(conc)
    password = open(pwfile).readline().rstrip("\n")
    ctx = ssl.create_default_context(cafile=cafile) if cafile else None
    request = b"%s\n%s\n%s %s\n\n" % (user.encode(), password.encode(), index.encode(), command.encode())
    lat, fails = [], []
    lock = threading.Lock()
    counter = [0]

    def one():
        t = time.perf_counter()
        s = socket.create_connection((host, port), timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if ctx:
            s = ctx.wrap_socket(s, server_hostname=host)
        s.sendall(request)
        socket.socket.shutdown(s, socket.SHUT_WR)
        out = b""
        while True:
            try:
                c = s.recv(65536)
            except (ssl.SSLEOFError, ConnectionResetError):
                break
            if not c:
                break
            out += c
        s.close()
        m = TRAILER.search(out)
        return time.perf_counter() - t, (m is not None and m.group(1) == expect), out

    def worker():
        while True:
            with lock:
                if counter[0] >= total:
                    return
                counter[0] += 1
            try:
                d, ok, out = one()
            except Exception as e:  # noqa: BLE001 - every failure counts
                ok, d, out = False, 0.0, repr(e).encode()
            with lock:
                (lat if ok else fails).append(d if ok else out[-200:])

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    ms = lambda q: lat[min(len(lat) - 1, int(len(lat) * q))] * 1000 if lat else float("nan")
    print("conc=%d sessions=%d wall=%.2fs rate=%.1f/s p50=%.2fms p95=%.2fms max=%.2fms failures=%d"
          % (conc, total, wall, len(lat) / wall, ms(0.5), ms(0.95), lat[-1] * 1000 if lat else 0, len(fails)))
    for f in fails[:3]:
        print("  failure:", f)


if __name__ == "__main__":
    main()
