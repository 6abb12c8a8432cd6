import Foundation
import Testing
@testable import EdgeServer

/// The smuggling corpus of Benchmarks/smuggling (compared there against nginx and Varnish), run
/// against Edge alone: every case must be refused (an error status or none, the connection closed,
/// no complete request at the origin) or forwarded unambiguously (no more requests than the client sent,
/// none hidden in a body, one framing field each), as corpus.json says for that case.
@Suite("Smuggling corpus, end to end", .serialized)
struct SmugglingCorpusTests {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        var id: String
        var what: String
        var raw: String
        var sent: Int
        var edge: String
        /// The target the origin must receive, where Edge rewrites it (dot segments resolved).
        var originPath: String?

        /// corpus.json keeps raw bytes as Latin-1 code points (U+0000…U+00FF), one byte each.
        var bytes: [UInt8] { raw.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) } }
        var isHead: Bool { raw.hasPrefix("HEAD ") }
        var testDescription: String { "\(id): \(what)" }
    }

    static let corpusPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Benchmarks/smuggling/corpus.json")

    static let corpus: [Case] = {
        guard let data = try? Data(contentsOf: corpusPath) else { return [] }
        return (try? JSONDecoder().decode([Case].self, from: data)) ?? []
    }()

    @Test("the corpus file loads, with every case expecting refuse or forward")
    func corpusLoads() {
        #expect(Self.corpus.count > 100)
        #expect(Self.corpus.allSatisfy { $0.edge == "refuse" || $0.edge == "forward" })
    }

    @Test("each corpus case is refused and closed, or forwarded unambiguously", arguments: corpus)
    func corpusCase(_ testCase: Case) async throws {
        let origin = try await CountingOrigin()
        do {
            try await withEdge(originPort: origin.port) { edge in
                let (status, closed) = try await onThread { () throws -> (Int?, Bool) in
                    let connection = try edge.connect(timeoutSeconds: 5)
                    try? connection.send(testCase.bytes)
                    let status = try? connection.readResponse(bodyExpected: !testCase.isHead).status
                    return (status, testCase.edge == "refuse" && connection.isClosedByPeer())
                }
                if testCase.edge == "refuse" {
                    // Some heads get no answer at all (the parser gives up on them): a close is as good.
                    #expect(status.map { (400..<600).contains($0) } ?? true, "status \(status ?? 0)")
                    #expect(closed)
                    // A streamed chunked body may be cut off after its head went out, never completed.
                    #expect(origin.requests.isEmpty)
                } else {
                    #expect(status.map { (200..<300).contains($0) } == true, "status \(status ?? 0)")
                    let requests = origin.requests
                    #expect((1...testCase.sent).contains(requests.count))
                    if let path = testCase.originPath {
                        #expect(requests.first?.uri == path)
                    }
                    for request in requests {
                        #expect(!request.uri.contains("smuggled"))
                        #expect(request.headers["content-length"].count + request.headers["transfer-encoding"].count <= 1)
                    }
                }
            }
        } catch {
            await origin.stop()
            throw error
        }
        await origin.stop()
    }

    // MARK: Cases where the differential run found Edge unsafe

    /// Sends `raw`, reads one response, and says whether the edge then closed.
    private func exchange(_ edge: EdgeHarness, _ raw: String) async throws -> (status: Int, closed: Bool) {
        try await onThread {
            let connection = try edge.connect(timeoutSeconds: 5)
            try connection.send(raw)
            let response = try connection.readResponse()
            return (response.status, connection.isClosedByPeer())
        }
    }

    @Test("a request the guard refuses takes no pipelined request after it to the origin")
    func noRequestAfterRefusal() async throws {
        try await withEdge { edge, origin in
            let raw = "POST /upload HTTP/1.1\r\nHost: test.example\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
                + "GET /smuggled HTTP/1.1\r\nHost: test.example\r\n\r\n"
            let (status, closed) = try await exchange(edge, raw)
            #expect(status == 501)
            #expect(closed)
            try await Task.sleep(for: .milliseconds(200))
            #expect(origin.requests.map(\.uri) == [])
        }
    }

    @Test("Connection naming a framing field or Host is refused with 400, not obeyed", arguments: [
        ("Content-Length", "Content-Length: 46\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: test.example\r\n\r\n"),
        ("Transfer-Encoding", "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ("Host", "Content-Length: 0\r\n\r\n"),
        ("keep-alive, content-length", "Content-Length: 0\r\n\r\n"),
    ])
    func connectionNamesFraming(option: String, rest: String) async throws {
        try await withEdge { edge, origin in
            let raw = "POST /upload HTTP/1.1\r\nHost: test.example\r\nConnection: \(option)\r\n" + rest
            let (status, closed) = try await exchange(edge, raw)
            #expect(status == 400)
            #expect(closed)
            #expect(origin.requestCount == 0)
        }
    }

    @Test("a framing field spelt with an underscore is refused with 400", arguments: ["Content_Length: 46", "Transfer_Encoding: chunked", "CONTENT_length: 0"])
    func underscoreFramingField(field: String) async throws {
        try await withEdge { edge, origin in
            let raw = "POST /upload HTTP/1.1\r\nHost: test.example\r\n\(field)\r\nContent-Length: 0\r\n\r\n"
            let (status, closed) = try await exchange(edge, raw)
            #expect(status == 400)
            #expect(closed)
            #expect(origin.requestCount == 0)
        }
    }

    @Test("an underscore in other field names is still forwarded")
    func underscoreElsewhere() async throws {
        try await withEdge { edge, origin in
            let response = try await onThread { try edge.get("/a", headers: [("X_Custom", "1")]) }
            #expect(response.status == 200)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a '#' in the request target is refused with 400")
    func fragmentInTarget() async throws {
        try await withEdge { edge, origin in
            let (status, closed) = try await exchange(edge, "GET /a#b HTTP/1.1\r\nHost: test.example\r\n\r\n")
            #expect(status == 400)
            #expect(closed)
            #expect(origin.requestCount == 0)
        }
    }

    @Test("an absolute-form target naming another host than Host is refused with 400")
    func absoluteFormHostMismatch() async throws {
        try await withEdge { edge, origin in
            let (status, closed) = try await exchange(edge, "GET http://other.example/a HTTP/1.1\r\nHost: test.example\r\n\r\n")
            #expect(status == 400)
            #expect(closed)
            #expect(origin.requestCount == 0)
            let same = try await exchange(edge, "GET http://Test.Example/a HTTP/1.1\r\nHost: test.example\r\n\r\n")
            #expect(same.status == 200)
        }
    }
}
