#!/usr/bin/env python3
"""A provisioning client for indisrvr that uses nothing but a TCP socket (and Python's ssl
module for TLS): the kind of script a provisioning system drives IndiMail with.

usage: provision.py HOST PORT USER PASSWORD_FILE [--cafile CA] < plan.json > results.json

The plan is a JSON list of steps {"index": n, "command": "vadduser ...", "stdin": "..."};
the result is a JSON list of {"index", "command", "status", "output"}. Each step is one
connection: "Login: " / user, "Password: " / password, "OK", "<index> <command>" LF LF, then
the step's stdin and a half-close, then the command's output up to the final
"RETURNSTATUS<n>" (no newline), after which the server closes.
"""
import json
import re
import socket
import ssl
import sys

TRAILER = re.compile(rb"RETURNSTATUS(-?[0-9]+)\Z")


def connect(host, port, cafile):
    sock = socket.create_connection((host, port), timeout=60)
    if cafile:
        ctx = ssl.create_default_context(cafile=cafile)
        sock = ctx.wrap_socket(sock, server_hostname=host)
    return sock


def expect(sock, buf, want):
    while want not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("server said %r instead of %r" % (buf, want))
        buf += chunk
    return buf[buf.index(want) + len(want):]


def run(host, port, user, password, cafile, index, command, stdin=b""):
    sock = connect(host, port, cafile)
    buf = expect(sock, b"", b"Login: ")
    sock.sendall(user.encode() + b"\n")
    buf = expect(sock, buf, b"Password: ")
    sock.sendall(password.encode() + b"\n")
    buf = expect(sock, buf, b"OK\n")
    sock.sendall(b"%d %s\n\n" % (index, command.encode()))
    if stdin:
        sock.sendall(stdin)
    # End of stdin: a TCP half-close, as adminclient does (also under TLS: the base class's
    # shutdown leaves the TLS session able to read the rest of the output).
    socket.socket.shutdown(sock, socket.SHUT_WR)
    out = buf
    while True:
        try:
            chunk = sock.recv(65536)
        except (ssl.SSLEOFError, ConnectionResetError):
            break
        if not chunk:
            break
        out += chunk
    sock.close()
    m = TRAILER.search(out)
    if not m:
        return None, out.decode(errors="replace")
    return int(m.group(1)), out[: m.start()].decode(errors="replace")


def main():
    args = sys.argv[1:]
    cafile = None
    if "--cafile" in args:
        i = args.index("--cafile")
        cafile = args[i + 1]
        del args[i : i + 2]
    host, port, user, pwfile = args
    with open(pwfile) as f:
        password = f.readline().rstrip("\n")
    results = []
    for step in json.load(sys.stdin):
        status, output = run(host, int(port), user, password, cafile, step["index"],
                             step["command"], step.get("stdin", "").encode())
        results.append({"index": step["index"], "command": step["command"],
                        "status": status, "output": output})
    json.dump(results, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
