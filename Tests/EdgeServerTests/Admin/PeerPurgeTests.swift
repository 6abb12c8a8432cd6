import EdgeCore
import EdgeSettings
import Testing
@testable import EdgeServer

/// Two nodes as peers: a purge sent to one empties both, and an unreachable peer is reported.
@Suite("Purge across peers")
struct PeerPurgeTests {
    static let cacheable: TestOrigin.Handler = { _ in TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: "stored") }

    @Test("one purge call empties both nodes, and the answer lists the peer's result")
    func purgeReachesPeer() async throws {
        try await withAdminEdge(origin: Self.cacheable) { second, _ in
            let peer = PeerURL("http://127.0.0.1:\(second.adminPort)")!
            try await withAdminEdge(origin: Self.cacheable, configure: { $0.admin.peers = [peer] }) { first, _ in
                for edge in [first, second] {
                    _ = try edge.get("/a")
                    _ = try edge.get("/b")
                    #expect(try edge.get("/a").cacheStatus.isHit)
                }
                let answer = try first.purge(#"{"urls":["http://test.example/a"]}"#)
                #expect(answer.status == 200)
                #expect(answer.text.contains(#""purged":1,"peers":[{"peer":"\#(peer)","ok":true,"status":200,"purged":1"#), "\(answer.text)")
                for edge in [first, second] {
                    #expect(!(try edge.get("/a")).cacheStatus.isHit)
                    #expect(try edge.get("/b").cacheStatus.isHit)
                }
                // The peer applied it without forwarding it again (it has no peers, and says so).
                #expect(try second.purge(#"{"all":true}"#).text.contains(#""peers":[]"#))
            }
        }
    }

    @Test("an unreachable peer is reported, after retries, and the local purge still happens")
    func unreachablePeer() async throws {
        let closed = try FreePort.pick()
        let peer = PeerURL("http://127.0.0.1:\(closed)")!
        try await withAdminEdge(origin: Self.cacheable, configure: { configuration in
            configuration.admin.peers = [peer]
            configuration.admin.peerRetries = 1
            configuration.admin.peerTimeout = .seconds(1)
        }) { edge, _ in
            _ = try edge.get("/a")
            let answer = try edge.purge(#"{"urls":["http://test.example/a"]}"#)
            #expect(answer.status == 200)
            #expect(answer.text.contains(#""ok":false"#), "\(answer.text)")
            #expect(answer.text.contains("unreachable"))
            #expect(answer.text.contains(#""attempts":2"#))
            #expect(!(try edge.get("/a")).cacheStatus.isHit)
        }
    }
}
