"""The smuggling corpus: malformed and ambiguously framed HTTP/1.1 requests.

Each case is (id, what it tries, raw bytes, sent, edge[, origin path]). `sent` is how many requests a
careful reader sees in the bytes (the number a proxy may forward at most); `edge` is Edge's expected
safe outcome: "refuse" (an error status, the connection closed, nothing forwarded) or "forward"
(exactly `sent` clean requests reach the origin). The optional origin path is the target Edge must
forward for the case's first request, dot segments resolved ("originPath" in corpus.json). Paths
that contain "smuggled" must never reach an origin, nor may a path that climbs above the root.

`python3 differential.py --write-corpus` regenerates corpus.json, which the Swift tests read.
"""

H = "Host: test.example\r\n"
SMUGGLED = "GET /smuggled HTTP/1.1\r\n" + H + "\r\n"
L = len(SMUGGLED)  # a body that is exactly the hidden request
LX = format(L, "x")


def post(path, fields, body):
    return f"POST {path} HTTP/1.1\r\n{H}{fields}\r\n{body}"


CASES = [
    # --- baselines: must be forwarded by everyone
    ("baseline-get", "plain GET", f"GET /c/baseline-get HTTP/1.1\r\n{H}\r\n", 1, "forward"),
    ("baseline-post-cl", "POST with Content-Length", post("/c/baseline-post-cl", "Content-Length: 5\r\n", "hello"), 1, "forward"),
    ("baseline-post-chunked", "POST chunked", post("/c/baseline-post-chunked", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 1, "forward"),
    ("pipelined-two", "two pipelined GETs", f"GET /c/pipelined-two HTTP/1.1\r\n{H}\r\nGET /c/pipelined-two-b HTTP/1.1\r\n{H}\r\n", 2, "forward"),
    ("pipelined-after-body", "GET pipelined after a CL body",
     post("/c/pipelined-after-body", "Content-Length: 5\r\n", "hello") + f"GET /c/pipelined-after-body-b HTTP/1.1\r\n{H}\r\n", 2, "forward"),
    ("pipelined-after-chunked", "GET pipelined after a chunked body",
     post("/c/pipelined-after-chunked", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n") + f"GET /c/pipelined-after-chunked-b HTTP/1.1\r\n{H}\r\n", 2, "forward"),
    ("http10-get", "HTTP/1.0 GET without Host", "GET /c/http10-get HTTP/1.0\r\n\r\n", 1, "forward"),

    # --- CL.TE / TE.CL
    ("cl-te", "CL then TE (CL.TE)", post("/c/cl-te", "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\nG" + SMUGGLED), 1, "refuse"),
    ("te-cl", "TE then CL (TE.CL)", post("/c/te-cl", "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", f"{LX}\r\n" + SMUGGLED + "\r\n0\r\n\r\n"), 1, "refuse"),
    ("te-cl-zero", "TE chunked + CL: 0 hiding a request", post("/c/te-cl-zero", "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + SMUGGLED), 1, "refuse"),

    # --- TE.TE: obfuscated Transfer-Encoding
    ("te-xchunked", "Transfer-Encoding: xchunked + CL", post("/c/te-xchunked", "Transfer-Encoding: xchunked\r\nContent-Length: 4\r\n", f"{LX}\r\n" + SMUGGLED + "\r\n0\r\n\r\n"), 1, "refuse"),
    ("te-xchunked-alone", "Transfer-Encoding: xchunked alone", post("/c/te-xchunked-alone", "Transfer-Encoding: xchunked\r\n", "0\r\n\r\n" + SMUGGLED), 1, "refuse"),
    ("te-leading-space", "value ' chunked' with double space", post("/c/te-leading-space", "Transfer-Encoding:  chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 1, "forward"),
    ("te-trailing-tab", "value 'chunked\\t'", post("/c/te-trailing-tab", "Transfer-Encoding: chunked\t\r\n", "5\r\nhello\r\n0\r\n\r\n"), 1, "refuse"),
    ("te-tab-separator", "'Transfer-Encoding:\\tchunked'", post("/c/te-tab-separator", "Transfer-Encoding:\tchunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 1, "forward"),
    ("te-space-before-colon", "'Transfer-Encoding : chunked' + CL", post("/c/te-space-before-colon", "Transfer-Encoding : chunked\r\nContent-Length: 4\r\n", f"{LX}\r\n" + SMUGGLED + "\r\n0\r\n\r\n"), 1, "refuse"),
    ("te-duplicate-case", "Transfer-Encoding + Transfer-encoding: x", post("/c/te-duplicate-case", "Transfer-Encoding: chunked\r\nTransfer-encoding: x\r\n", "0\r\n\r\n" + SMUGGLED), 1, "refuse"),
    ("te-duplicate-chunked", "two Transfer-Encoding: chunked lines", post("/c/te-duplicate-chunked", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + SMUGGLED), 1, "refuse"),
    ("te-chunked-identity", "Transfer-Encoding: chunked, identity", post("/c/te-chunked-identity", "Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n" + SMUGGLED), 1, "refuse"),
    ("te-identity", "Transfer-Encoding: identity + CL", post("/c/te-identity", "Transfer-Encoding: identity\r\nContent-Length: 5\r\n", "hello"), 1, "refuse"),
    ("te-gzip-chunked", "Transfer-Encoding: gzip, chunked", post("/c/te-gzip-chunked", "Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n" + SMUGGLED), 1, "refuse"),
    ("te-obs-fold", "TE value on an obs-fold continuation line", post("/c/te-obs-fold", "Transfer-Encoding:\r\n chunked\r\nContent-Length: 4\r\n", f"{LX}\r\n" + SMUGGLED + "\r\n0\r\n\r\n"), 1, "refuse"),
    ("te-obs-fold-x", "obs-fold appending to another field before TE", post("/c/te-obs-fold-x", "X-Foo: bar\r\n Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", f"{LX}\r\n" + SMUGGLED + "\r\n0\r\n\r\n"), 1, "refuse"),
    ("te-cr-in-name", "'Transfer\\rEncoding' header name", post("/c/te-cr-in-name", "Transfer\rEncoding: chunked\r\nContent-Length: 4\r\n", f"{LX}\r\n" + SMUGGLED + "\r\n0\r\n\r\n"), 1, "refuse"),
    ("te-vertical-tab", "'chunked\\v' value", post("/c/te-vertical-tab", "Transfer-Encoding: chunked\x0b\r\n", "0\r\n\r\n" + SMUGGLED), 1, "refuse"),
    ("te-quoted", "Transfer-Encoding: \"chunked\"", post("/c/te-quoted", "Transfer-Encoding: \"chunked\"\r\n", "0\r\n\r\n" + SMUGGLED), 1, "refuse"),
    ("te-http10", "chunked in an HTTP/1.0 request", "POST /c/te-http10 HTTP/1.0\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 1, "refuse"),
    ("te-upper", "TRANSFER-ENCODING: CHUNKED", post("/c/te-upper", "TRANSFER-ENCODING: CHUNKED\r\n", "5\r\nhello\r\n0\r\n\r\n"), 1, "forward"),

    # --- Content-Length oddities
    ("cl-plus", "Content-Length: +5", post("/c/cl-plus", "Content-Length: +5\r\n", "hello"), 1, "refuse"),
    ("cl-hex", "Content-Length: 0x5", post("/c/cl-hex", "Content-Length: 0x5\r\n", "hello"), 1, "refuse"),
    ("cl-decimal", "Content-Length: 5.0", post("/c/cl-decimal", "Content-Length: 5.0\r\n", "hello"), 1, "refuse"),
    ("cl-negative", "Content-Length: -1", post("/c/cl-negative", "Content-Length: -1\r\n", "hello"), 1, "refuse"),
    ("cl-huge", "Content-Length beyond 64 bits", post("/c/cl-huge", "Content-Length: 99999999999999999999999\r\n", "hello"), 1, "refuse"),
    ("cl-leading-zeros", "Content-Length: 0005", post("/c/cl-leading-zeros", "Content-Length: 0005\r\n", "hello"), 1, "forward"),
    ("cl-two-equal", "two equal Content-Length lines", post("/c/cl-two-equal", "Content-Length: 5\r\nContent-Length: 5\r\n", "hello"), 1, "refuse"),
    ("cl-two-different", "two different Content-Length lines", post("/c/cl-two-different", f"Content-Length: 5\r\nContent-Length: {L}\r\n", "hello" + SMUGGLED), 1, "refuse"),
    ("cl-list-equal", "Content-Length: 5, 5", post("/c/cl-list-equal", "Content-Length: 5, 5\r\n", "hello"), 1, "refuse"),
    ("cl-list-different", f"Content-Length: 5, {L}", post("/c/cl-list-different", f"Content-Length: 5, {L}\r\n", "hello" + SMUGGLED), 1, "refuse"),
    ("cl-space-before-colon", "'Content-Length : 5'", post("/c/cl-space-before-colon", "Content-Length : 5\r\n", "hello"), 1, "refuse"),
    ("cl-empty", "empty Content-Length", post("/c/cl-empty", "Content-Length: \r\n", ""), 1, "refuse"),
    ("cl-space-inside", "Content-Length: 1 2", post("/c/cl-space-inside", "Content-Length: 1 2\r\n", "hello world!"), 1, "refuse"),
    ("cl-obs-fold", "Content-Length value folded", post("/c/cl-obs-fold", "Content-Length:\r\n 5\r\n", "hello"), 1, "refuse"),
    # Not framing to a strict reader (two requests), but CGI-style back ends map '_' to '-'.
    ("cl-underscore", "Content_Length (underscore) hiding a request", post("/c/cl-underscore", f"Content_Length: {L}\r\n", SMUGGLED.replace("/smuggled", "/c/cl-underscore-b")), 2, "refuse"),
    ("te-underscore", "Transfer_Encoding: chunked", post("/c/te-underscore", "Transfer_Encoding: chunked\r\n", "0\r\n\r\n"), 1, "refuse"),
    ("cl-short-body-pipelined", "CL shorter than the body: rest is a request", post("/c/cl-short-body-pipelined", "Content-Length: 2\r\n", "hi" + f"GET /c/cl-short-body-pipelined-b HTTP/1.1\r\n{H}\r\n"), 2, "forward"),

    # --- chunk framing
    ("chunk-0x", "chunk size 0x5", post("/c/chunk-0x", "Transfer-Encoding: chunked\r\n", "0x5\r\nhello\r\n0\r\n\r\n"), 1, "refuse"),
    ("chunk-overflow", "chunk size overflowing 64 bits", post("/c/chunk-overflow", "Transfer-Encoding: chunked\r\n", "10000000000000005\r\nhello\r\n0\r\n\r\n" + SMUGGLED), 1, "refuse"),
    ("chunk-negative", "chunk size -5", post("/c/chunk-negative", "Transfer-Encoding: chunked\r\n", "-5\r\nhello\r\n0\r\n\r\n"), 1, "refuse"),
    ("chunk-space-size", "chunk size '5 ' with trailing space", post("/c/chunk-space-size", "Transfer-Encoding: chunked\r\n", "5 \r\nhello\r\n0\r\n\r\n"), 1, "refuse"),
    ("chunk-ext-ok", "chunk extension token", post("/c/chunk-ext-ok", "Transfer-Encoding: chunked\r\n", "5;name=value\r\nhello\r\n0\r\n\r\n"), 1, "forward"),
    ("chunk-ext-bare-lf", "chunk extension hiding a bare LF", post("/c/chunk-ext-bare-lf", "Transfer-Encoding: chunked\r\n", "5;a\nx\r\nhello\r\n0\r\n\r\n"), 1, "refuse"),
    ("chunk-ext-ctl", "chunk extension with a NUL", post("/c/chunk-ext-ctl", "Transfer-Encoding: chunked\r\n", "5;a=\x00\r\nhello\r\n0\r\n\r\n"), 1, "refuse"),
    ("chunk-ext-quote", "chunk extension with a quoted CRLF-ish string", post("/c/chunk-ext-quote", "Transfer-Encoding: chunked\r\n", "5;a=\"b\rc\"\r\nhello\r\n0\r\n\r\n"), 1, "refuse"),
    ("chunk-missing-crlf", "no CRLF after chunk data", post("/c/chunk-missing-crlf", "Transfer-Encoding: chunked\r\n", "5\r\nhelloXX0\r\n\r\n" + SMUGGLED), 1, "refuse"),
    ("chunk-lf-only-after-data", "bare LF after chunk data", post("/c/chunk-lf-only-after-data", "Transfer-Encoding: chunked\r\n", "5\r\nhello\n0\r\n\r\n"), 1, "refuse"),
    ("chunk-bare-lf-size", "bare LF after chunk size", post("/c/chunk-bare-lf-size", "Transfer-Encoding: chunked\r\n", "5\nhello\r\n0\r\n\r\n"), 1, "refuse"),
    ("chunk-too-long", "chunk data longer than its size", post("/c/chunk-too-long", "Transfer-Encoding: chunked\r\n", "3\r\nhello\r\n0\r\n\r\n"), 1, "refuse"),
    ("chunk-trailer-cl", "Content-Length in the trailer", post("/c/chunk-trailer-cl", "Transfer-Encoding: chunked\r\n", f"5\r\nhello\r\n0\r\nContent-Length: {L}\r\n\r\n"), 1, "refuse"),
    ("chunk-trailer-te", "Transfer-Encoding in the trailer", post("/c/chunk-trailer-te", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n"), 1, "refuse"),
    ("chunk-trailer-host", "Host in the trailer", post("/c/chunk-trailer-host", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\nHost: evil.example\r\n\r\n"), 1, "forward"),
    ("chunk-trailer-bad", "trailer line without colon", post("/c/chunk-trailer-bad", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\nnot a field\r\n\r\n"), 1, "refuse"),

    # --- control characters in the head
    ("nul-in-value", "NUL inside a header value", f"GET /c/nul-in-value HTTP/1.1\r\n{H}X-A: a\x00b\r\n\r\n", 1, "refuse"),
    ("cr-in-value", "bare CR inside a header value", f"GET /c/cr-in-value HTTP/1.1\r\n{H}X-A: a\rContent-Length: {L}\r\n\r\n" + SMUGGLED, 1, "refuse"),
    ("lf-in-value", "bare LF ending a header line", f"GET /c/lf-in-value HTTP/1.1\r\n{H}X-A: a\nContent-Length: {L}\r\n\r\n" + SMUGGLED, 1, "refuse"),
    ("lf-only-head", "head with bare LF line endings", f"GET /c/lf-only-head HTTP/1.1\nHost: test.example\n\n", 1, "refuse"),
    ("nul-in-target", "NUL in the request target", f"GET /c/nul-in-target\x00x HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("cr-in-request-line", "bare CR in the request line", f"GET /c/cr-in-request-line\rHTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("space-before-first-header", "whitespace line before the first field", f"GET /c/space-before-first-header HTTP/1.1\r\n Host: evil.example\r\n{H}\r\n", 1, "refuse"),
    ("header-no-colon", "header line without a colon", f"GET /c/header-no-colon HTTP/1.1\r\n{H}X-A b\r\n\r\n", 1, "refuse"),
    ("header-empty-name", "header line ': value'", f"GET /c/header-empty-name HTTP/1.1\r\n{H}: value\r\n\r\n", 1, "refuse"),
    ("header-obs-fold", "obs-fold on an ordinary field", f"GET /c/header-obs-fold HTTP/1.1\r\n{H}X-A: a\r\n b\r\n\r\n", 1, "refuse"),
    ("header-high-bytes", "obs-text (0xff) in a header value", f"GET /c/header-high-bytes HTTP/1.1\r\n{H}X-A: caf\xe9\r\n\r\n", 1, "forward"),

    # --- request line and version
    ("http09", "HTTP/0.9 simple request", "GET /c/http09\r\n", 1, "refuse"),
    ("http09-root", "HTTP/0.9 'GET /' alone", "GET /\r\n", 1, "refuse"),
    ("http09-after-get", "HTTP/0.9 'GET /' pipelined after a valid GET", f"GET /c/http09-after-get HTTP/1.1\r\n{H}\r\nGET /\r\n", 2, "forward"),
    ("http12", "HTTP/1.2", f"GET /c/http12 HTTP/1.2\r\n{H}\r\n", 1, "refuse"),
    ("http20-line", "HTTP/2.0 in an HTTP/1 request line", f"GET /c/http20-line HTTP/2.0\r\n{H}\r\n", 1, "refuse"),
    ("http-lowercase", "http/1.1 in lower case", f"GET /c/http-lowercase http/1.1\r\n{H}\r\n", 1, "refuse"),
    ("version-trailing-space", "'HTTP/1.1 ' with a trailing space", f"GET /c/version-trailing-space HTTP/1.1 \r\n{H}\r\n", 1, "refuse"),
    ("double-space", "two spaces between method and target", f"GET  /c/double-space HTTP/1.1\r\n{H}\r\n", 1, "forward"),
    ("tab-separator", "tab between method and target", f"GET\t/c/tab-separator HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("method-bad-char", "method with '(' in it", f"GE(T /c/method-bad-char HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("method-lowercase", "lower-case method 'get'", f"get /c/method-lowercase HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("method-unknown", "unknown token method FOO", f"FOO /c/method-unknown HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("leading-crlf", "empty line before the request", f"\r\nGET /c/leading-crlf HTTP/1.1\r\n{H}\r\n", 1, "forward"),
    ("target-space", "space inside the target", f"GET /c/target space HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("target-fragment", "'#' fragment in the target", f"GET /c/target-fragment#frag HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("target-non-ascii", "raw UTF-8 in the target", f"GET /c/target-non-ascii-\xc3\xa9 HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("target-relative", "target without a leading slash", f"GET c/target-relative HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("target-asterisk-get", "GET *", f"GET * HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("very-long-target", "70 KB request target", f"GET /c/very-long-target?{'a' * 70000} HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("very-long-header", "70 KB header value", f"GET /c/very-long-header HTTP/1.1\r\n{H}X-A: {'a' * 70000}\r\n\r\n", 1, "refuse"),
    ("many-headers", "500 header fields", f"GET /c/many-headers HTTP/1.1\r\n{H}" + "".join(f"X-{i}: v\r\n" for i in range(500)) + "\r\n", 1, "refuse"),

    # --- dot segments: resolved in the root, refused above it or behind an encoded slash or backslash
    ("dot-current", "'/./' segment", f"GET /c/dot-current/./b HTTP/1.1\r\n{H}\r\n", 1, "forward", "/c/dot-current/b"),
    ("dot-parent-in-root", "'/../' that stays below the root", f"GET /c/dot-parent-in-root/a/../b HTTP/1.1\r\n{H}\r\n", 1, "forward",
     "/c/dot-parent-in-root/b"),
    ("dot-encoded-in-root", "'%2E%2e' and '.' segments below the root, query kept", f"GET /c/dot-encoded-in-root/a/%2E%2e/./b?q=../x HTTP/1.1\r\n{H}\r\n",
     1, "forward", "/c/dot-encoded-in-root/b?q=../x"),
    ("traversal-plain", "'/../../etc/passwd'", f"GET /../../etc/passwd HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("traversal-inner", "'/a/../../b' (one level above the root)", f"GET /a/../../b HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("traversal-pct2e", "'/%2e%2e/%2e%2e/etc/passwd'", f"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("traversal-pct2e-mixed", "'/%2E%2e/.%2E/etc/passwd' (mixed case, half encoded)", f"GET /%2E%2e/.%2E/etc/passwd HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("traversal-pct2f", "'/static/..%2f..%2f..%2fetc/passwd' (encoded slash)", f"GET /static/..%2f..%2f..%2fetc/passwd HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("traversal-pct5c", "'/static/..%5c..%5c..%5cetc/passwd' (encoded backslash)", f"GET /static/..%5c..%5c..%5cetc/passwd HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("traversal-backslash", "'/static/..\\..\\..\\etc/passwd' (raw backslash)", f"GET /static/..\\..\\..\\etc/passwd HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("traversal-absolute", "absolute-form 'http://test.example/../x'", f"GET http://test.example/../x HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("hidden-parent-pct5c", "'/a/..%5cb' ('..' behind an encoded backslash)", f"GET /a/..%5cb HTTP/1.1\r\n{H}\r\n", 1, "refuse"),
    ("hidden-parent-backslash", "'/a/..\\b' ('..' behind a raw backslash)", f"GET /a/..\\b HTTP/1.1\r\n{H}\r\n", 1, "refuse"),

    # --- Host
    ("absolute-host-mismatch", "absolute-form target naming another host", "GET http://other.example/c/absolute-host-mismatch HTTP/1.1\r\n" + H + "\r\n", 1, "refuse"),
    ("absolute-no-host", "absolute-form target without Host", "GET http://test.example/c/absolute-no-host HTTP/1.1\r\n\r\n", 1, "refuse"),
    ("host-missing", "HTTP/1.1 without Host", "GET /c/host-missing HTTP/1.1\r\n\r\n", 1, "refuse"),
    ("host-duplicate", "two Host fields", f"GET /c/host-duplicate HTTP/1.1\r\n{H}Host: other.example\r\n\r\n", 1, "refuse"),
    ("host-empty", "empty Host", "GET /c/host-empty HTTP/1.1\r\nHost: \r\n\r\n", 1, "refuse"),
    ("host-at", "Host with userinfo", "GET /c/host-at HTTP/1.1\r\nHost: user@test.example\r\n\r\n", 1, "refuse"),
    ("host-space", "Host with a space", "GET /c/host-space HTTP/1.1\r\nHost: test.example other\r\n\r\n", 1, "refuse"),
    ("host-slash", "Host with a path", "GET /c/host-slash HTTP/1.1\r\nHost: test.example/x\r\n\r\n", 1, "refuse"),

    # --- Expect, Connection, Upgrade
    ("expect-100", "Expect: 100-continue with body", post("/c/expect-100", "Expect: 100-continue\r\nContent-Length: 5\r\n", "hello"), 1, "forward"),
    ("expect-unknown", "Expect: something-else", post("/c/expect-unknown", "Expect: 200-ok\r\nContent-Length: 5\r\n", "hello"), 1, "forward"),
    ("expect-100-get-no-body", "Expect: 100-continue on a GET", f"GET /c/expect-100-get-no-body HTTP/1.1\r\n{H}Expect: 100-continue\r\n\r\n", 1, "forward"),
    ("connection-content-length", "Connection: Content-Length (strip framing hop by hop)",
     post("/c/connection-content-length", f"Connection: Content-Length\r\nContent-Length: {L}\r\n", SMUGGLED), 1, "refuse"),
    ("connection-transfer-encoding", "Connection: Transfer-Encoding",
     post("/c/connection-transfer-encoding", "Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n", f"{LX}\r\n" + SMUGGLED + "\r\n0\r\n\r\n"), 1, "refuse"),
    ("connection-host", "Connection: Host", f"GET /c/connection-host HTTP/1.1\r\n{H}Connection: Host\r\n\r\n", 1, "refuse"),
    ("upgrade-h2c", "Upgrade: h2c with HTTP2-Settings", f"GET /c/upgrade-h2c HTTP/1.1\r\n{H}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n", 1, "forward"),
    ("upgrade-h2c-smuggle", "h2c upgrade followed by HTTP/1 bytes",
     f"GET /c/upgrade-h2c-smuggle HTTP/1.1\r\n{H}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n" + SMUGGLED.replace("/smuggled", "/c/upgrade-h2c-smuggle-b"), 2, "forward"),
    ("upgrade-websocket-no-key", "Upgrade: websocket then a pipelined request",
     f"GET /c/upgrade-websocket-no-key HTTP/1.1\r\n{H}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n" + SMUGGLED.replace("/smuggled", "/c/upgrade-websocket-no-key-b"), 2, "forward"),

    # --- bodies where none is expected
    ("get-with-body", "GET with a Content-Length body", f"GET /c/get-with-body HTTP/1.1\r\n{H}Content-Length: {L}\r\n\r\n" + SMUGGLED, 1, "forward"),
    ("get-with-chunked-body", "GET with a chunked body", f"GET /c/get-with-chunked-body HTTP/1.1\r\n{H}Transfer-Encoding: chunked\r\n\r\n{LX}\r\n" + SMUGGLED + "\r\n0\r\n\r\n", 1, "forward"),
    ("head-with-body", "HEAD with a Content-Length body", f"HEAD /c/head-with-body HTTP/1.1\r\n{H}Content-Length: {L}\r\n\r\n" + SMUGGLED, 1, "forward"),
    ("options-star", "OPTIONS *", f"OPTIONS * HTTP/1.1\r\n{H}\r\n", 1, "forward"),
    ("connect", "CONNECT to an authority", f"CONNECT test.example:80 HTTP/1.1\r\n{H}\r\n" + SMUGGLED, 1, "refuse"),
]
