import NIOHTTP1
import Testing
@testable import EdgeCore

@Suite("Variant ETags")
struct VariantETagTests {
    @Test("each coding gets its own tag; the stored coding keeps the origin's")
    func tags() {
        #expect(VariantETag.tag("\"abc\"", storedCoding: .identity, servedCoding: .br) == "\"abc-br\"")
        #expect(VariantETag.tag("W/\"abc\"", storedCoding: .identity, servedCoding: .gzip) == "W/\"abc-gzip\"")
        #expect(VariantETag.tag("\"abc\"", storedCoding: .identity, servedCoding: .identity) == "\"abc\"")
        #expect(VariantETag.tag("\"abc\"", storedCoding: .gzip, servedCoding: .gzip) == "\"abc\"")
        #expect(VariantETag.tag("\"abc\"", storedCoding: .gzip, servedCoding: .identity) == "\"abc-identity\"")
        #expect(VariantETag.tag("not a tag", storedCoding: .identity, servedCoding: .br) == "not a tag")
    }

    @Test("If-None-Match with any variant's tag matches the stored response")
    func notModifiedWithAnyVariant() {
        let stored = HTTPHeaders([("etag", "\"abc\""), ("content-type", "text/css")])
        for sent in ["\"abc-br\"", "\"abc-zstd\"", "W/\"abc-gzip\"", "\"abc\"", "\"x\", \"abc-br\""] {
            let request = VariantETag.requestWithBaseTags(HTTPHeaders([("if-none-match", sent)]))
            let outcome = ConditionalRequest.evaluate(method: "GET", requestHeaders: request, responseStatus: 200, responseHeaders: stored, parseDate: HTTPDate.parse)
            #expect(outcome == .notModified, "\(sent)")
        }
        let other = VariantETag.requestWithBaseTags(HTTPHeaders([("if-none-match", "\"abd-br\"")]))
        #expect(ConditionalRequest.evaluate(method: "GET", requestHeaders: other, responseStatus: 200, responseHeaders: stored, parseDate: HTTPDate.parse) == .proceed)
    }

    @Test("a tag that merely ends like a suffix is still matched as sent")
    func keepsOriginal() {
        #expect(VariantETag.baseTags(["\"v1-br\""]) == "\"v1-br\", \"v1\"")
        #expect(VariantETag.baseTags(["*"]) == "*")
    }

    @Test("an encoded form's fields carry its coding, length, tag and Vary")
    func encodedHeaders() {
        let body = EncodedBody(coding: .br, body: .init(string: "12345"))
        let stored = HTTPHeaders([("etag", "\"abc\""), ("content-length", "100"), ("vary", "Origin")])
        let headers = body.headers(from: stored, storedHeaders: stored)
        #expect(headers.first(name: "content-encoding") == "br")
        #expect(headers.first(name: "content-length") == "5")
        #expect(headers.first(name: "etag") == "\"abc-br\"")
        #expect(headers.first(name: "vary") == "Origin, Accept-Encoding")
    }
}
