import NIOHTTP1
import Testing
@testable import EdgeCore

@Suite("Accept-Encoding negotiation")
struct AcceptEncodingTests {
    static let all: [ContentCoding] = [.br, .zstd, .gzip, .identity]

    func choose(_ field: String?, _ available: [ContentCoding] = all) -> ContentCoding? {
        AcceptEncoding(fieldValues: field.map { [$0] }).negotiate(available)
    }

    @Test("no field gives identity; an empty field allows only identity")
    func absentAndEmpty() {
        #expect(choose(nil) == .identity)
        #expect(choose("") == .identity)
        #expect(choose("", [.br]) == nil)
    }

    @Test("among equal qualities br beats zstd beats gzip beats identity")
    func preferenceAmongEquals() {
        #expect(choose("gzip, deflate, br, zstd") == .br)
        #expect(choose("gzip, zstd") == .zstd)
        #expect(choose("gzip") == .gzip)
        #expect(choose("*") == .br)
        #expect(choose("identity, gzip") == .gzip)
    }

    @Test("higher q wins over preference; q=0 refuses")
    func qValues() {
        #expect(choose("br;q=0.5, gzip;q=0.8") == .gzip)
        #expect(choose("br;q=0, gzip") == .gzip)
        #expect(choose("br;q=0, gzip;q=0, zstd;q=0") == .identity)
        #expect(choose("gzip;Q=0.9, br;q=0.90") == .br)
        #expect(choose("identity;q=1, br;q=0.5") == .identity)
    }

    @Test("a star covers codings not named, and a star with q=0 refuses identity too")
    func wildcard() {
        #expect(choose("gzip, *;q=0") == .gzip)
        #expect(choose("*;q=0") == nil)
        #expect(choose("*;q=0, identity") == .identity)
        #expect(choose("br;q=0, *;q=0.5") == .zstd)
        #expect(choose("*;q=0", [.identity]) == nil)
    }

    @Test("identity;q=0 with nothing else acceptable is a 406 (nil)")
    func identityRefused() {
        let accept = AcceptEncoding(fieldValues: ["identity;q=0, gzip;q=0"])
        #expect(accept.refusesIdentity)
        #expect(accept.negotiate([.identity]) == nil)
        #expect(accept.negotiate([.identity, .gzip]) == nil)
        #expect(AcceptEncoding(fieldValues: ["identity;q=0, br"]).negotiate([.identity, .br]) == .br)
    }

    @Test("malformed members are skipped, x-gzip is gzip, unknown codings are ignored")
    func robustness() {
        #expect(choose("br;q=2, gzip") == .gzip)
        #expect(choose("br;q=abc, x-gzip") == .gzip)
        #expect(choose("compress, deflate") == .identity)
        #expect(choose(" , ,br ,") == .br)
    }

    @Test("the header fields form reads every field line")
    func headerLines() {
        var headers = HTTPHeaders()
        headers.add(name: "Accept-Encoding", value: "gzip;q=0.5")
        headers.add(name: "accept-encoding", value: "zstd")
        #expect(AcceptEncoding(headers).negotiate(Self.all) == .zstd)
        #expect(AcceptEncoding(HTTPHeaders()).negotiate(Self.all) == .identity)
    }
}
