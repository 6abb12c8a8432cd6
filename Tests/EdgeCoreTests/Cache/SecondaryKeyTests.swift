import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("Vary secondary keys")
struct SecondaryKeyTests {
    func key(vary: [String], request: [(String, String)]) -> SecondaryKey? {
        SecondaryKey(vary: HTTPHeaders(vary.map { ("Vary", $0) }), request: HTTPHeaders(request))
    }

    @Test("no Vary gives an empty key that matches any request")
    func noVary() throws {
        let empty = try #require(key(vary: [], request: [("Accept", "a")]))
        #expect(empty.varyNames.isEmpty)
        #expect(empty.matches(HTTPHeaders([("Accept", "b")])))
    }

    @Test("Vary: * never matches")
    func star() {
        #expect(key(vary: ["*"], request: []) == nil)
        #expect(key(vary: ["Accept-Encoding, *"], request: []) == nil)
        #expect(key(vary: ["Accept", "*"], request: []) == nil)
    }

    @Test("names are lowercased and de-duplicated across lines")
    func names() throws {
        let vary = try #require(key(vary: ["Accept-Encoding, ACCEPT", "accept-encoding"], request: []))
        #expect(vary.varyNames == ["accept-encoding", "accept"])
    }

    @Test("same values match, different values do not")
    func values() throws {
        let vary = try #require(key(vary: ["Accept-Encoding"], request: [("Accept-Encoding", "gzip")]))
        #expect(vary.matches(HTTPHeaders([("accept-encoding", "gzip")])))
        #expect(!vary.matches(HTTPHeaders([("Accept-Encoding", "br")])))
    }

    @Test("whitespace and line splitting are normalised")
    func normalisation() throws {
        let vary = try #require(key(vary: ["Accept-Encoding"], request: [("Accept-Encoding", "gzip,  br")]))
        #expect(vary.matches(HTTPHeaders([("Accept-Encoding", " gzip ,br ")])))
        #expect(vary.matches(HTTPHeaders([("Accept-Encoding", "gzip"), ("Accept-Encoding", "br")])))
        let inner = try #require(key(vary: ["X-Thing"], request: [("X-Thing", "a   b")]))
        #expect(inner.matches(HTTPHeaders([("X-Thing", "a b")])))
    }

    @Test("Accept-* members compare without case or order; other fields keep both")
    func acceptFields() throws {
        let language = try #require(key(vary: ["Accept-Language"], request: [("Accept-Language", "en, de")]))
        #expect(language.matches(HTTPHeaders([("Accept-Language", "de,EN")])))
        #expect(!language.matches(HTTPHeaders([("Accept-Language", "de")])))
        let encoding = try #require(key(vary: ["Accept-Encoding"], request: [("Accept-Encoding", "gzip;q=0.5, br")]))
        #expect(encoding.matches(HTTPHeaders([("Accept-Encoding", "BR, gzip ; q=0.5")])))
        let custom = try #require(key(vary: ["X-Thing"], request: [("X-Thing", "a, b")]))
        #expect(!custom.matches(HTTPHeaders([("X-Thing", "b, a")])))
        #expect(!custom.matches(HTTPHeaders([("X-Thing", "A, b")])))
    }

    @Test("an absent field matches only an absent field")
    func absent() throws {
        let vary = try #require(key(vary: ["Accept-Language"], request: []))
        #expect(vary.matches(HTTPHeaders()))
        #expect(!vary.matches(HTTPHeaders([("Accept-Language", "")])))
        #expect(!vary.matches(HTTPHeaders([("Accept-Language", "en")])))
        let present = try #require(key(vary: ["Accept-Language"], request: [("Accept-Language", "en")]))
        #expect(!present.matches(HTTPHeaders()))
    }

    @Test("all named fields must match")
    func multiple() throws {
        let vary = try #require(key(vary: ["Accept, Accept-Encoding"], request: [("Accept", "a"), ("Accept-Encoding", "gzip")]))
        #expect(vary.matches(HTTPHeaders([("Accept", "a"), ("Accept-Encoding", "gzip")])))
        #expect(!vary.matches(HTTPHeaders([("Accept", "a")])))
    }

    @Test("a URL's variants: the one whose fields all match is picked, with each field normalised once for all of them")
    func selectAmongVariants() throws {
        func variant(_ body: String, _ request: [(String, String)]) throws -> CachedResponse {
            let headers = HTTPHeaders([("Vary", "Accept-Encoding, X-Tier")])
            return CachedResponse(
                status: 200, headers: headers, body: ByteBuffer(string: body),
                timing: StoredResponseTiming(requestTime: 0, responseTime: 0),
                secondaryKey: try #require(SecondaryKey(vary: headers, request: HTTPHeaders(request))))
        }
        let variants = CachedVariants([
            try variant("br-gold", [("Accept-Encoding", "br, gzip"), ("X-Tier", "gold")]),
            try variant("br-none", [("Accept-Encoding", "br, gzip")]),
            try variant("gzip-gold", [("Accept-Encoding", "gzip"), ("X-Tier", "gold")]),
        ])
        func picked(_ request: [(String, String)]) -> String? {
            variants.select(for: HTTPHeaders(request)).map { String(buffer: $0.body) }
        }
        #expect(picked([("Accept-Encoding", "GZIP,  br"), ("X-Tier", "gold")]) == "br-gold")
        #expect(picked([("Accept-Encoding", "gzip, br")]) == "br-none")
        #expect(picked([("X-Tier", "gold"), ("Accept-Encoding", "gzip")]) == "gzip-gold")
        #expect(picked([("Accept-Encoding", "gzip")]) == nil)
        #expect(picked([]) == nil)
    }

    @Test("equal keys hash equally so variants can be looked up")
    func hashing() {
        let first = key(vary: ["Accept"], request: [("Accept", "a, b")])
        let second = key(vary: ["accept"], request: [("accept", "a,b")])
        #expect(first == second)
        #expect(Set([first, second]).count == 1)
    }
}
