import NIOHTTP1
import Testing
@testable import EdgeServer

/// RFC 9111 §3.3–3.4: a 206 is stored as a piece of its representation, ranges it covers are
/// answered from it, and a request for the whole asks the origin only for what is missing.
@Suite("Stored partial content", .serialized)
struct StoredPartialContentTests {
    /// An origin that answers every request with a piece of "0123456789" (ETag "v1"): the bytes of a
    /// `Range` it is sent, else bytes 0-4 (as an origin whose 206 a cache did not ask for).
    static func piecesOrigin(body: String = "0123456789", tag: String = "\"v1\"") -> TestOrigin.Handler {
        { request in
            let bytes = Array(body.utf8)
            var first = 0
            var last = 4
            if let range = request.headers.first(name: "range"), range.hasPrefix("bytes="), case let bounds = range.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false), bounds.count == 2 {
                first = Int(bounds[0]) ?? 0
                last = Int(bounds[1]) ?? (bytes.count - 1)
            }
            var response = TestOrigin.Response(status: 206, headers: [
                ("Cache-Control", "max-age=600"), ("ETag", tag), ("Content-Range", "bytes \(first)-\(last)/\(bytes.count)"),
            ])
            response.body = Array(bytes[first...last])
            return response
        }
    }

    @Test("a stored 206 answers a later range it covers, as a hit, without the origin")
    func storedPieceAnswersCoveredRange() async throws {
        try await withEdge(origin: Self.piecesOrigin()) { edge, origin in
            let first = try await onThread { try edge.get("/p", headers: [("Range", "bytes=0-4")]) }
            #expect(first.status == 206)
            #expect(first.cacheStatus.has("stored"))
            let second = try await onThread { try edge.get("/p", headers: [("Range", "bytes=1-3")]) }
            #expect(second.status == 206)
            #expect(second.text == "123")
            #expect(second.header("content-range") == "bytes 1-3/10")
            #expect(second.cacheStatus.isHit, "\(second.cacheStatus)")
            let suffix = try await onThread { try edge.get("/p", headers: [("Range", "bytes=3-")]) }
            // bytes 3-9 are not all stored: the origin is asked.
            #expect(!suffix.cacheStatus.isHit, "\(suffix.cacheStatus)")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a full GET asks only for the missing bytes, gets the whole 200, and later requests hit it")
    func fullRequestCompletesStoredPiece() async throws {
        try await withEdge(origin: Self.piecesOrigin()) { edge, origin in
            _ = try await onThread { try edge.get("/p", headers: [("Range", "bytes=0-4")]) }
            let whole = try await onThread { try edge.get("/p") }
            #expect(whole.status == 200)
            #expect(whole.text == "0123456789")
            #expect(whole.cacheStatus.fwd == "partial", "\(whole.cacheStatus)")
            let asked = origin.requests.last?.headers
            #expect(asked?.first(name: "range") == "bytes=5-")
            #expect(asked?.first(name: "if-range") == "\"v1\"")
            let again = try await onThread { try edge.get("/p") }
            #expect(again.status == 200)
            #expect(again.text == "0123456789")
            #expect(again.cacheStatus.isHit, "\(again.cacheStatus)")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a completion whose 206 carries other bytes than the missing range never makes a whole 200 of them")
    func completionOfWrongLengthIsNotPassedOn() async throws {
        let honest = Self.piecesOrigin()
        try await withEdge(origin: { request in
            guard request.headers.first(name: "range") == "bytes=5-" else { return honest(request) }
            var response = TestOrigin.Response(status: 206, headers: [
                ("Cache-Control", "max-age=600"), ("ETag", "\"v1\""), ("Content-Range", "bytes 5-9/10"),
            ])
            response.body = Array("56789XX".utf8)
            return response
        }) { edge, origin in
            _ = try await onThread { try edge.get("/p", headers: [("Range", "bytes=0-4")]) }
            let whole = try? await onThread { try edge.get("/p") }
            #expect(whole?.text.contains("X") != true)
            if let whole, whole.status == 200 {
                #expect(whole.text == "0123456789")
            }
            #expect(origin.requests.contains { $0.headers.first(name: "range") == "bytes=5-" })
        }
    }

    @Test("a 206 whose body is not as long as its Content-Range says is not stored")
    func brokenPieceIsNotStored() async throws {
        try await withEdge(origin: { _ in
            var response = TestOrigin.Response(status: 206, headers: [("Cache-Control", "max-age=600"), ("Content-Range", "bytes 4-9/10")])
            response.body = Array("01234".utf8)
            return response
        }) { edge, origin in
            _ = try await onThread { try edge.get("/b", headers: [("Range", "bytes=-5")]) }
            let again = try await onThread { try edge.get("/b", headers: [("Range", "bytes=-5")]) }
            #expect(!again.cacheStatus.isHit, "\(again.cacheStatus)")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a purge of the URL removes its stored piece")
    func purgeRemovesPiece() async throws {
        try await withEdge(origin: Self.piecesOrigin()) { edge, origin in
            _ = try await onThread { try edge.get("/p", headers: [("Range", "bytes=0-4")]) }
            let purge = try await onThread { try edge.get("/p", method: "PURGE") }
            #expect(purge.status == 200)
            let after = try await onThread { try edge.get("/p", headers: [("Range", "bytes=1-3")]) }
            #expect(!after.cacheStatus.isHit, "\(after.cacheStatus)")
            #expect(origin.requestCount == 2)
        }
    }
}
