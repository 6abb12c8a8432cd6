import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// Conditionals are answered from the cache only for GET and HEAD: an unsafe method's response is
/// the origin's, whatever its validators.
@Suite("A POST is never answered 304", .serialized)
struct ConditionalPostTests {
    @Test("a POST whose If-None-Match matches the origin's ETag gets the origin's 200, never a 304")
    func postIsNotAnsweredNotModified() async throws {
        let handler: TestOrigin.Handler = { _ in
            TestOrigin.Response(headers: [("ETag", "\"v1\""), ("Cache-Control", "no-store")], body: "created")
        }
        try await withEdge(origin: handler) { edge, origin in
            let response = try await onThread {
                let connection = try edge.connect()
                try connection.send(EdgeHarness.request(method: "POST", path: "/orders", headers: [("If-None-Match", "\"v1\"")], body: "item=1"))
                return try connection.readResponse()
            }
            #expect(origin.requestCount == 1)
            // The origin performed the POST and said 200: a 304 tells the client nothing happened.
            #expect(response.status == 200, "got \(response)")
            #expect(response.text == "created")
        }
    }
}
