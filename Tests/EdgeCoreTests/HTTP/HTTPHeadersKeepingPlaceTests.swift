import NIOHTTP1
import Testing
@testable import EdgeCore

@Suite("Replacing a field while keeping its place")
struct HTTPHeadersKeepingPlaceTests {
    private let origin = HTTPHeaders([("Content-Length", "64"), ("Accept-Ranges", "bytes"), ("Cache-Control", "max-age=60")])

    @Test("a field that already has the value stays where it is, name case included")
    func sameValueStays() {
        var headers = origin
        headers.replaceOrAddKeepingPlace(name: "content-length", value: "64")
        headers.replaceOrAddKeepingPlace(name: "accept-ranges", value: "bytes")
        #expect(headers.map(\.name) == ["Content-Length", "Accept-Ranges", "Cache-Control"])
    }

    @Test("a different value, a repeated field or a missing one is replaced or added as replaceOrAdd does")
    func otherwiseReplaced() {
        var headers = origin
        headers.replaceOrAddKeepingPlace(name: "content-length", value: "65")
        #expect(headers[canonicalForm: "content-length"] == ["65"])
        headers.add(name: "vary", value: "origin")
        headers.add(name: "vary", value: "origin")
        headers.replaceOrAddKeepingPlace(name: "vary", value: "origin")
        #expect(headers["vary"] == ["origin"])
        headers.replaceOrAddKeepingPlace(name: "via", value: "1.1 edge")
        #expect(headers.map(\.name).last == "via")
    }
}
