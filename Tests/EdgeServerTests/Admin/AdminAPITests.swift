import EdgeCore
import Logging
import Testing
@testable import EdgeServer

/// The admin listener: token, refusals without side effects, and the read endpoints.
@Suite("Admin API")
struct AdminAPITests {
    static let cacheable: TestOrigin.Handler = { _ in TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: "stored") }

    @Test("a missing or wrong token gets 401 and purges nothing")
    func tokenRequired() async throws {
        try await withAdminEdge(origin: Self.cacheable) { edge, _ in
            _ = try edge.get("/a")
            for token in [nil, "wrong", "secre", "secret2"] as [String?] {
                let answer = try edge.purge(#"{"all":true}"#, token: token)
                #expect(answer.status == 401, "token \(token ?? "none")")
                #expect(answer.header("www-authenticate")?.hasPrefix("Bearer") == true)
            }
            #expect(try edge.admin("GET", "/stats", token: nil).status == 401)
            #expect(try edge.get("/a").cacheStatus.isHit, "a refused purge changes nothing")
            #expect(try edge.purge(#"{"all":true}"#).status == 200)
        }
    }

    @Test("malformed JSON, unknown fields, bad types and unserved hosts get 400 naming the field, and purge nothing")
    func badRequests() async throws {
        try await withAdminEdge(origin: Self.cacheable, configure: { configuration in
            configuration.sites[0].hosts = ["test.example"]
        }) { edge, _ in
            _ = try edge.get("/a")
            let cases: [(String, String?)] = [
                ("{\"urls\":", nil),
                (#"{"url":["http://test.example/a"]}"#, "url"),
                (#"{"all":"yes"}"#, "all"),
                (#"{"urls":["http://elsewhere.example/a"]}"#, "urls[0]"),
                (#"{"prefixes":["not a url"]}"#, "prefixes[0]"),
            ]
            for (body, field) in cases {
                let answer = try edge.purge(body)
                #expect(answer.status == 400, "\(body)")
                if let field {
                    #expect(answer.text.contains(#""field":"\#(field)""#), "\(body): \(answer.text)")
                }
            }
            #expect(try edge.get("/a").cacheStatus.isHit)
        }
    }

    @Test("a body over the limit gets 413 and purges nothing")
    func oversizeBody() async throws {
        try await withAdminEdge(origin: Self.cacheable) { edge, _ in
            _ = try edge.get("/a")
            let huge = #"{"urls":["# + String(repeating: #""http://test.example/a","#, count: 3000) + #""http://test.example/a"]}"#
            let answer = try edge.purge(huge)
            #expect(answer.status == 413)
            #expect(try edge.get("/a").cacheStatus.isHit)
        }
    }

    @Test("healthz, stats, metrics and flags answer; PUT /flags/NAME switches a flag")
    func readEndpoints() async throws {
        try await withAdminEdge(origin: Self.cacheable) { edge, _ in
            _ = try edge.get("/a")
            _ = try edge.get("/a")
            _ = try edge.purge(#"{"urls":["http://test.example/a"]}"#)
            #expect(try edge.admin("GET", "/healthz").text == "ok\n")
            let stats = try edge.admin("GET", "/stats").text
            for field in [#""hits":1"#, #""misses":1"#, #""purges":1"#, #""purged_entries":1"#, #""entries":0"#, #""origins":[{"pool":"default""#, #""state":"up""#, #""degraded":false"#, #""stale_serves":0"#, #""panic":false"#, #""allocator":{"name":"jemalloc "#, #""resident_bytes":"#] {
                #expect(stats.contains(field), "\(field) in \(stats)")
            }
            let metrics = try edge.admin("GET", "/metrics").text
            #expect(metrics.contains(#"edge_requests_total{cache="hit"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"edge_requests_total{cache="miss"} 1"#))
            #expect(metrics.contains("edge_purge_requests_total 1"))
            #expect(metrics.contains("edge_origin_response_seconds_bucket"))
            #expect(try edge.admin("GET", "/flags").text.contains(#""enhancements":{"enabled":true"#))
            let off = try edge.admin("PUT", "/flags/enhancements", body: "off")
            #expect(off.status == 200)
            #expect(edge.server.flags.isEnabled(.enhancements) == false)
            #expect(try edge.admin("PUT", "/flags/enhancements", body: "maybe").status == 400)
            #expect(try edge.admin("PUT", "/flags/nonesuch", body: "on").status == 404)
            #expect(try edge.admin("GET", "/purge").status == 405)
            #expect(try edge.admin("GET", "/nothing").status == 404)
        }
    }

    @Test("an admin listener on a non-loopback address without a token is refused at start")
    func nonLoopbackNeedsToken() async throws {
        let origin = try await TestOrigin()
        await #expect(throws: AdminListenerError.self) {
            let edge = try await EdgeHarness(origins: [origin]) { $0.admin = AdminSettings(listen: ("0.0.0.0", 0), token: "") }
            await edge.stop()
        }
        await origin.stop()
    }

    @Test("PURGE on the traffic listener works from allowed addresses and gets 405 from others")
    func purgeMethod() async throws {
        try await withAdminEdge(origin: Self.cacheable) { edge, _ in
            _ = try edge.get("/a")
            let answer = try edge.get("/a", method: "PURGE")
            #expect(answer.status == 200)
            #expect(answer.text.contains(#""purged":1"#))
            #expect(!(try edge.get("/a")).cacheStatus.isHit)
            // Soft-Purge: 1 keeps the entry, stale: the next request goes to the origin.
            #expect(try edge.get("/a").cacheStatus.isHit)
            let soft = try edge.get("/a", headers: [("Soft-Purge", "1")], method: "PURGE")
            #expect(soft.text.contains(#""purged":1"#))
            let revalidated = try edge.get("/a")
            #expect(revalidated.cacheStatus.fwd == "stale", "\(revalidated.cacheStatus)")
            #expect(revalidated.text == "stored")
        }
        try await withAdminEdge(origin: Self.cacheable, configure: { $0.admin.purgeAllow = AddressAllowList(["10.0.0.0/8"]) }) { edge, _ in
            _ = try edge.get("/a")
            #expect(try edge.get("/a", method: "PURGE").status == 405)
            #expect(try edge.get("/a").cacheStatus.isHit)
        }
    }
}
