import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// A plain hit is answered from header fields prepared when the response was stored; a hit that
/// needs more work (here an If-None-Match that does not match) builds them field by field.
@Suite("A hit from prepared fields has the same fields as one built field by field", .serialized)
struct PreparedHitFieldsTests {
    @Test("a hit on the fast path has the same fields as one built by the slow path")
    func fastPathMatchesSlowPath() async throws {
        try await withEdge(origin: { _ in
            .init(headers: [("Cache-Control", "max-age=600"), ("ETag", "\"e\""), ("Age", "5"),
                            ("Surrogate-Control", "max-age=60"), ("Via", "1.1 upstream"), ("Content-Type", "text/plain")],
                  body: "0123456789")
        }) { edge, _ in
            _ = try await onThread { try edge.get("/f") }
            let fast = try await onThread { try edge.get("/f") }
            let slow = try await onThread { try edge.get("/f", headers: [("If-None-Match", "\"other\"")]) }
            func fields(_ r: RawHTTPConnection.Response) -> [String] {
                r.headers.filter { $0.0.lowercased() != "age" }.map { "\($0.0.lowercased()): \($0.1)" }.sorted()
            }
            #expect(fast.status == slow.status)
            #expect(fields(fast) == fields(slow))
            #expect(fast.body == slow.body)
            #expect(fast.header("age").flatMap(Int.init) ?? -1 >= 5)
        }
    }
}
