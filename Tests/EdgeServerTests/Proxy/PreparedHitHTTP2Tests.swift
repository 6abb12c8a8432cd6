import EdgeCore
import NIOCore
import NIOHPACK
import NIOHTTP1
import Testing
@testable import EdgeServer

/// The HTTP/2 form of a prepared hit: what NIO's HTTP/2-to-HTTP/1 codec would make of the full path's
/// head, built from the prepared lines directly, and the same again from the loop's memo of heads.
@Suite("PreparedHit in HTTP/2's form")
struct PreparedHitHTTP2Tests {
    static func hit(_ fields: [(String, String)], status: Int = 200) -> PreparedHit {
        PreparedHit(status: status, fieldLines: FieldLines.lines(of: HTTPHeaders(fields)), body: ByteBuffer(string: "body"))
    }

    static func pairs(_ fields: HPACKHeaders) -> [String] {
        fields.map { "\($0.name): \($0.value)" }
    }

    @Test(":status first, names lowercased, connection-specific fields dropped, Cache-Status and Age last")
    func http2Form() {
        let fields = Self.hit([("Content-Type", "text/plain"), ("Keep-Alive", "timeout=5"), ("Upgrade", "h2c"),
                               ("Transfer-Encoding", "chunked"), ("Proxy-Connection", "close"), ("ETag", "\"v1\"")], status: 203)
            .http2Fields(cacheStatus: "edge; hit", age: 7)
        #expect(Self.pairs(fields) == [":status: 203", "content-type: text/plain", "etag: \"v1\"", "cache-status: edge; hit", "age: 7"])
    }

    @Test("fields named by Connection go as well, as NIO's normalisation drops them")
    func connectionOptions() {
        let fields = Self.hit([("Content-Type", "text/plain"), ("Connection", "close, x-private"), ("X-Private", "1")])
            .http2Fields(cacheStatus: "edge; hit", age: 0)
        #expect(Self.pairs(fields) == [":status: 200", "content-type: text/plain", "cache-status: edge; hit", "age: 0"])
    }

    @Test("the memo gives what the hit gives, with this hit's Cache-Status and Age, and tells different heads apart")
    func memoAgrees() {
        let memo = HTTP2HeadMemo()
        let first = Self.hit([("Content-Type", "text/plain"), ("X-Version", "1")])
        let second = Self.hit([("Content-Type", "text/html"), ("X-Version", "2")])
        let guarded = Self.hit([("Connection", "X-Private"), ("X-Private", "1"), ("Content-Type", "text/plain")])
        for (cacheStatus, age) in [("edge; hit; ttl=60", 1), ("edge; hit; ttl=59", 2)] {
            for hit in [first, second, guarded] {
                #expect(Self.pairs(memo.fields(for: hit, cacheStatus: cacheStatus, age: age))
                    == Self.pairs(hit.http2Fields(cacheStatus: cacheStatus, age: age)))
            }
        }
    }
}
