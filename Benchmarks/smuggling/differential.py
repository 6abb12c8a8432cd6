#!/usr/bin/env python3
"""Differential smuggling test: the same raw requests through nginx, Varnish and Edge.

Each proxy gets its own recording origin (a raw TCP server on loopback that logs the exact bytes of
every request and parses them strictly). Every corpus case is sent raw on a fresh connection; then a
canary request on another fresh connection checks that the proxy's origin connections were not left
desynchronised. A case is UNSAFE for a proxy when what reached its origin could be read two ways
(framing fields obfuscated, duplicated or both present, obs-fold, control characters, bad chunks),
when a request hidden in a body ("/smuggled") reached the origin, when more requests reached the
origin or more responses reached the client than the client sent, when a request path that climbs
above the root reached the origin (read as sent, with %2e as a dot, or percent-decoded once or twice
with %2f, %5c and '\\' as slashes), or when the canary was poisoned.

    differential.py --nginx PORT --varnish PORT --edge PORT ...   (compare.sh starts the proxies)
    differential.py --write-corpus                                (regenerate corpus.json)

Python 3 standard library only.
"""

import argparse
import json
import os
import socket
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import CASES  # noqa: E402

TOKEN = set(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
CLIENT_TIMEOUT = 2.0     # seconds to wait for a response byte
SETTLE = 0.3             # quiet time that ends a case
ORIGIN_TIMEOUT = 1.5     # an origin connection silent this long mid-request is given up
ABORTED = "cut off mid-request, then closed"


# ---------------------------------------------------------------- recording origin

class Recorded:
    def __init__(self, conn_id, method, target, issues, raw):
        self.conn_id, self.method, self.target, self.issues, self.raw = conn_id, method, target, issues, raw
        self.time = time.monotonic()


class RecordingOrigin:
    """A strict raw HTTP/1.1 origin: logs each request with the framing problems it finds in it."""

    def __init__(self):
        self.log = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.next_id = 0
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self):
        self.stopped = True
        self.sock.close()

    def snapshot(self):
        with self.lock:
            return len(self.log)

    def since(self, mark):
        with self.lock:
            return self.log[mark:]

    def _record(self, entry):
        with self.lock:
            self.log.append(entry)

    def _accept(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.next_id += 1
            threading.Thread(target=self._serve, args=(conn, self.next_id), daemon=True).start()

    def _serve(self, conn, conn_id):
        conn.settimeout(ORIGIN_TIMEOUT)
        buf = bytearray()
        try:
            while True:
                request = parse_request(buf, lambda: _recv(conn))
                if request is None:
                    if buf.strip(b"\r\n"):
                        self._record(Recorded(conn_id, "?", "?", [ABORTED], bytes(buf)))
                    return
                method, target, issues, raw, keep_alive, fatal = request
                self._record(Recorded(conn_id, method, target, issues, raw))
                if fatal:
                    return
                body = f"path={target}\n".encode("latin-1")
                head = (f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nCache-Control: no-store\r\n"
                        f"{'' if keep_alive else 'Connection: close'}\r\n\r\n").replace("\r\n\r\n\r\n", "\r\n\r\n")
                conn.sendall(head.encode() + (b"" if method == "HEAD" else body))
                if not keep_alive:
                    return
        except (OSError, socket.timeout):
            if buf.strip(b"\r\n"):
                self._record(Recorded(conn_id, "?", "?", ["left hanging mid-request (origin timed out)"], bytes(buf)))
        finally:
            conn.close()


def _recv(conn):
    data = conn.recv(65536)
    if not data:
        raise EOFError
    return data


def parse_request(buf, more):
    """Takes one request off `buf` (reading with `more`). Returns None at a clean end of stream."""
    try:
        while b"\r\n\r\n" not in buf and not (b"\n\n" in buf):
            buf += more()
    except EOFError:
        return None
    end = buf.find(b"\r\n\r\n")
    lf_end = buf.find(b"\n\n")
    if end < 0 or (0 <= lf_end < end):
        raw = bytes(buf)
        del buf[:]
        return "?", "?", ["bare LF head"], raw, False, True
    head = bytes(buf[:end])
    del buf[:end + 4]
    issues = []
    lines = head.split(b"\r\n")
    request_line = lines[0]
    parts = request_line.split(b" ")
    method = parts[0].decode("latin-1")
    target = parts[1].decode("latin-1") if len(parts) > 1 else "?"
    if len(parts) != 3 or parts[2] not in (b"HTTP/1.1", b"HTTP/1.0") or not parts[0] or set(parts[0]) - TOKEN:
        issues.append(f"request line {request_line[:60]!r}")
    if len(parts) < 2 or any(b < 0x21 or b == 0x7f or b >= 0x80 or b == ord("#") for b in parts[1]):
        issues.append("request target with control, space, '#' or non-ASCII")
    fields = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t"):
            issues.append("obs-fold")
            continue
        if any(b in (0, 10, 13) for b in line):
            issues.append("NUL/CR/LF inside a field")
        name, colon, value = line.partition(b":")
        if not colon or not name or set(name) - TOKEN:
            issues.append(f"bad field name {name[:40]!r}")
            continue
        lowered = name.decode("latin-1").lower()
        if lowered.replace("_", "-") in ("content-length", "transfer-encoding", "host") and "_" in lowered:
            issues.append(f"framing field spelt with '_' ({lowered})")
        fields.append((lowered, value.strip(b" \t").decode("latin-1")))
    cls = [v for n, v in fields if n == "content-length"]
    tes = [v for n, v in fields if n == "transfer-encoding"]
    hosts = [v for n, v in fields if n == "host"]
    if len(hosts) != 1:
        issues.append(f"{len(hosts)} Host fields")
    if cls and tes:
        issues.append("Content-Length and Transfer-Encoding")
    if len(cls) > 1:
        issues.append("repeated Content-Length")
    if len(tes) > 1:
        issues.append("repeated Transfer-Encoding")
    keep_alive = parts[-1] == b"HTTP/1.1" and not any(n == "connection" and "close" in v.lower() for n, v in fields)
    body = b""
    try:
        if tes:
            if tes[-1].lower() != "chunked":
                issues.append(f"Transfer-Encoding {tes[-1]!r}")
                return method, target, issues, head + bytes(buf), False, True
            body, chunk_issues = read_chunked(buf, more)
            issues += chunk_issues
            if chunk_issues:
                return method, target, issues, head + b"\r\n\r\n" + body, False, True
        elif cls:
            if not cls[0].isdigit() or len(cls[0]) > 15:
                issues.append(f"Content-Length {cls[0]!r}")
                return method, target, issues, head + bytes(buf), False, True
            length = int(cls[0])
            while len(buf) < length:
                buf += more()
            body = bytes(buf[:length])
            del buf[:length]
    except EOFError:
        issues.append(ABORTED)
        return method, target, issues, head + body + bytes(buf), False, True
    return method, target, issues, head + b"\r\n\r\n" + body, keep_alive, False


def read_line(buf, more):
    while b"\r\n" not in buf:
        buf += more()
    i = buf.find(b"\r\n")
    line = bytes(buf[:i])
    del buf[:i + 2]
    return line


def read_chunked(buf, more):
    body = bytearray()
    while True:
        line = read_line(buf, more)
        body += line + b"\r\n"
        size_text, _, ext = line.partition(b";")
        if not size_text or set(size_text) - set(b"0123456789abcdefABCDEF") or len(size_text) > 15:
            return bytes(body), [f"chunk size {line[:30]!r}"]
        if any(b < 0x20 and b != 9 for b in ext) or b"\n" in line:
            return bytes(body), ["control character in chunk extension"]
        size = int(size_text, 16)
        if size == 0:
            issues = []
            while True:
                trailer = read_line(buf, more)
                body += trailer + b"\r\n"
                if not trailer:
                    return bytes(body), issues
                name = trailer.partition(b":")[0].strip().lower()
                if name in (b"content-length", b"transfer-encoding", b"host"):
                    issues.append(f"{name.decode()} in the trailer")
        while len(buf) < size + 2:
            buf += more()
        data = bytes(buf[:size + 2])
        del buf[:size + 2]
        body += data
        if data[-2:] != b"\r\n":
            return bytes(body), ["chunk data not followed by CRLF"]


# ---------------------------------------------------------------- client side

def exchange(port, raw, expected, head_request):
    """Sends raw bytes on a fresh connection; returns (statuses, closed, extra_bytes)."""
    statuses, closed = [], False
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT)
    except OSError as error:
        return [f"connect failed: {error}"], True, b""
    buf = bytearray()

    def more():
        data = sock.recv(65536)
        if not data:
            raise EOFError
        buf.extend(data)

    try:
        try:
            sock.sendall(raw)
        except OSError:
            pass
        while len(statuses) < expected + 1:
            sock.settimeout(CLIENT_TIMEOUT if len(statuses) < expected else SETTLE)
            status = read_response(buf, more, head_request and not statuses)
            if status is None:
                break
            if status >= 200:
                statuses.append(status)
    except EOFError:
        closed = True
    except (socket.timeout, TimeoutError):
        pass
    except OSError:
        closed = True
    finally:
        sock.close()
    return statuses, closed, bytes(buf)


def read_response(buf, more, head_request):
    while b"\r\n\r\n" not in buf:
        more()
    end = buf.find(b"\r\n\r\n")
    head = bytes(buf[:end]).split(b"\r\n")
    del buf[:end + 4]
    parts = head[0].split(b" ")
    if not head[0].startswith(b"HTTP/1.") or len(parts) < 2 or not parts[1].isdigit():
        raise EOFError
    status = int(parts[1])
    fields = {}
    for line in head[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    if head_request or status in (204, 304) or status < 200:
        return status
    if b"content-length" in fields:
        length = int(fields[b"content-length"])
        while len(buf) < length:
            more()
        del buf[:length]
    elif fields.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            while b"\r\n" not in buf:
                more()
            i = buf.find(b"\r\n")
            size = int(bytes(buf[:i]).split(b";")[0], 16)
            del buf[:i + 2]
            if size == 0:
                while b"\r\n" not in buf:
                    more()
                i = buf.find(b"\r\n")
                del buf[:i + 2]
                if i == 0:
                    break
                continue
            while len(buf) < size + 2:
                more()
            del buf[:size + 2]
    else:
        try:
            while True:
                more()
        except EOFError:
            pass
        buf.clear()
        raise EOFError
    return status


def canary(port, origin, case_id):
    path = f"/canary/{case_id}"
    mark = origin.snapshot()
    raw = f"GET {path} HTTP/1.1\r\nHost: test.example\r\n\r\n".encode()
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT)
        sock.sendall(raw)
        buf = bytearray()
        deadline = time.monotonic() + CLIENT_TIMEOUT
        while f"path={path}\n".encode() not in buf and time.monotonic() < deadline:
            data = sock.recv(65536)
            if not data:
                break
            buf += data
        sock.close()
    except OSError:
        buf = bytearray()
    time.sleep(0.05)
    seen = origin.since(mark)
    clean = any(r.target == path and not r.issues for r in seen)
    return f"path={path}\n".encode() in buf and clean


# ---------------------------------------------------------------- paths

def target_path(target):
    """The path of an origin-form or absolute-form target, without its query."""
    if "://" in target and not target.startswith("/"):
        rest = target.split("://", 1)[1]
        slash = rest.find("/")
        target = rest[slash:] if slash >= 0 else "/"
    return target.split("?", 1)[0]


def path_readings(path):
    """The ways an origin may read a path: as sent, with %2e as a dot, percent-decoded once and twice
    (so %2f and %5c split segments), '\\' read as '/' in the decoded ones."""
    dots = path.replace("%2e", ".").replace("%2E", ".")
    once = urllib.parse.unquote(path, encoding="latin-1").replace("\\", "/")
    twice = urllib.parse.unquote(once, encoding="latin-1").replace("\\", "/")
    return [path, dots, once, twice]


def walk(path):
    """(climbs above the root, keeps a '..' segment) for one reading of a path, per RFC 3986 §5.2.4."""
    depth, parent = 0, False
    for segment in path.split("/")[1:]:
        if segment == "..":
            parent = True
            if depth == 0:
                return True, True
            depth -= 1
        elif segment != ".":
            depth += 1
    return False, parent


def path_check(target):
    """Whether some reading of the target's path climbs above the root ("climbs"), or only keeps a
    '..' that stays below it ("parent"); None when neither."""
    if not target.startswith("/") and "://" not in target:
        return None
    walks = [walk(reading) for reading in path_readings(target_path(target))]
    if any(climbs for climbs, _ in walks):
        return "climbs"
    if any(parent for _, parent in walks):
        return "parent"
    return None


# ---------------------------------------------------------------- verdicts

def run_case(name, port, origin, case):
    case_id, _, raw, sent, _ = case[:5]
    expected_path = case[5] if len(case) > 5 else None
    data = raw.encode("latin-1")
    mark = origin.snapshot()
    statuses, closed, _ = exchange(port, data, sent, raw.startswith("HEAD "))
    time.sleep(SETTLE)
    seen = origin.since(mark)
    problems, notes = [], []
    for request in seen:
        if "smuggled" in request.target:
            problems.append("hidden request reached origin")
        check = path_check(request.target)
        if check == "climbs":
            problems.append(f"path above the root reached origin ({request.target[:60]})")
        elif check == "parent":
            notes.append(f"'..' left to the origin ({request.target[:60]})")
        for issue in request.issues:
            problems.append(issue)
    if len(seen) > sent:
        problems.append(f"{len(seen)} requests at origin for {sent} sent")
    if len(statuses) > sent:
        problems.append(f"{len(statuses)} responses for {sent} requests")
    if not canary(port, origin, f"{case_id}-{name}"):
        problems.append("canary poisoned")
    status_text = ",".join(str(s) for s in statuses) or "-"
    # A request the proxy abandoned and whose connection it closed cannot desynchronise anything.
    aborted = ABORTED in problems
    problems = [p for p in problems if p != ABORTED]
    if problems:
        verdict = "UNSAFE"
    elif not seen:
        verdict = "refused"
    elif aborted:
        verdict = "aborted"
    else:
        verdict = "forwarded"
    detail = f"{status_text}{' closed' if closed else ''}; origin {len(seen)}"
    if expected_path is not None and seen:
        detail += f" {seen[0].target[:60]}"
    return {"verdict": verdict, "detail": detail, "problems": sorted(set(problems)), "notes": sorted(set(notes)),
            "statuses": statuses, "closed": closed, "origin": len(seen), "targets": [r.target for r in seen]}


def run_proxy(name, port, origin, results):
    for case in CASES:
        results[(name, case[0])] = run_case(name, port, origin, case)


def cell(result):
    text = f"{result['verdict']} ({result['detail']})"
    if result["problems"] or result["notes"]:
        text += ": " + "; ".join(result["problems"] + result["notes"])
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write-corpus", action="store_true", help="write corpus.json next to this script and exit")
    parser.add_argument("--origin-ports-file", help="write the three origin ports (nginx varnish edge) here, then wait for proxies")
    parser.add_argument("--proxies", help="name=port,... once the proxies are up")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    if args.write_corpus:
        # "originPath" is optional and only present when a case names it (older readers ignore it).
        cases = [{"id": c[0], "what": c[1], "raw": c[2], "sent": c[3], "edge": c[4], **({"originPath": c[5]} if len(c) > 5 else {})}
                 for c in CASES]
        with open(os.path.join(here, "corpus.json"), "w") as out:
            json.dump(cases, out, indent=1, ensure_ascii=True)
            out.write("\n")
        return 0
    names = ["nginx", "varnish", "edge"]
    origins = {name: RecordingOrigin() for name in names}
    with open(args.origin_ports_file, "w") as out:
        out.write(" ".join(str(origins[n].port) for n in names) + "\n")
    # compare.sh starts the proxies in front of the origins and then writes the proxy ports to stdin.
    line = sys.stdin.readline().split()
    ports = dict(zip(names, (int(p) for p in line)))
    results = {}
    threads = [threading.Thread(target=run_proxy, args=(n, ports[n], origins[n], results)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for origin in origins.values():
        origin.stop()

    print("| case | what | nginx | varnish | edge |")
    print("| --- | --- | --- | --- | --- |")
    for case in CASES:
        row = [cell(results[(n, case[0])]) for n in names]
        what = case[1].replace("|", "\\|")
        print(f"| {case[0]} | {what} | " + " | ".join(r.replace("|", "\\|") for r in row) + " |")
    print()
    for n in names:
        verdicts = [results[(n, c[0])]["verdict"] for c in CASES]
        print(f"- **{n}**: {verdicts.count('UNSAFE')} unsafe, {verdicts.count('refused')} refused, "
              f"{verdicts.count('forwarded')} forwarded cleanly, {verdicts.count('aborted')} aborted mid-request, of {len(CASES)} cases")
    print()
    worse = []
    for case in CASES:
        edge = results[("edge", case[0])]["verdict"]
        others = [results[(n, case[0])]["verdict"] for n in ("nginx", "varnish")]
        if edge == "UNSAFE" or (edge == "forwarded" and all(o == "refused" for o in others)):
            worse.append(case[0])
    print(f"- cases where Edge is unsafe or forwards what both others refuse: {', '.join(worse) or 'none'}")
    mismatch = [c[0] for c in CASES
                if results[("edge", c[0])]["verdict"] not in {"refuse": ("refused", "aborted"), "forward": ("forwarded",)}[c[4]]
                or (len(c) > 5 and results[("edge", c[0])]["targets"][:1] != [c[5]])]
    print(f"- cases where Edge differs from corpus.json's expected outcome: {', '.join(mismatch) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
