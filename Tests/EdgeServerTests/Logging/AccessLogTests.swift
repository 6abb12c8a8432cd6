import Testing
@testable import EdgeServer

@Suite("Access log lines")
struct AccessLogTests {
    private let entry = AccessLog.Entry(
        client: "127.0.0.1", method: "GET", target: "/a?b=\"1\"", version: "HTTP/1.1", status: 200, bytes: 12,
        durationSeconds: 0.0015, cacheStatus: "edge; hit; ttl=5", origin: nil, referer: nil, userAgent: "curl/8\n", time: 784_111_777)

    @Test("combined format carries client, request, status, bytes, duration, cache status and origin")
    func combined() {
        let line = AccessLog.combined(entry)
        #expect(line.hasPrefix("127.0.0.1 - - [06/Nov/1994:08:49:37 +0000] \"GET /a?b=\\\"1\\\" HTTP/1.1\" 200 12 \"-\""))
        #expect(line.contains("\"curl/8\\xa\""), "a newline from a client must not start a new log line")
        #expect(line.hasSuffix("1500us \"edge; hit; ttl=5\" -"))
    }

    @Test("JSON lines escape what the client sent and use null for what is missing")
    func json() {
        let line = AccessLog.json(entry)
        #expect(line.contains("\"target\":\"/a?b=\\\"1\\\"\""))
        #expect(line.contains("\"user_agent\":\"curl/8\\n\""))
        #expect(line.contains("\"origin\":null"))
        #expect(line.contains("\"status\":200"))
        #expect(line.contains("\"duration_ms\":1.5"))
    }
}
