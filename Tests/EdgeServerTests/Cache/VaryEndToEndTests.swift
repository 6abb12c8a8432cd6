import Testing
@testable import EdgeServer

/// Secondary cache keys (RFC 9111 §4.1): one stored variant per set of request fields named by Vary.
@Suite("Vary through the real server")
struct VaryEndToEndTests {
    static let byLanguage: TestOrigin.Handler = { request in
        let language = request.headers.first(name: "accept-language") ?? "none"
        return .init(headers: [("Cache-Control", "max-age=600"), ("Vary", "Accept-Language")], body: "lang=\(language)")
    }

    @Test("each Accept-Language gets its own stored variant")
    func variantsPerLanguage() async throws {
        try await withEdge(origin: Self.byLanguage) { edge, origin in
            let english = try edge.get("/v", headers: [("Accept-Language", "en")])
            #expect(english.text == "lang=en")
            #expect(english.cacheStatus.fwd == "uri-miss")
            #expect(english.header("vary") == "Accept-Language")

            let french = try edge.get("/v", headers: [("Accept-Language", "fr")])
            #expect(french.text == "lang=fr")
            #expect(french.cacheStatus.fwd == "vary-miss")
            #expect(french.cacheStatus.has("stored"))

            let englishAgain = try edge.get("/v", headers: [("Accept-Language", "en")])
            #expect(englishAgain.text == "lang=en")
            #expect(englishAgain.cacheStatus.isHit)
            let frenchAgain = try edge.get("/v", headers: [("Accept-Language", "fr")])
            #expect(frenchAgain.text == "lang=fr")
            #expect(frenchAgain.cacheStatus.isHit)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a request without the varied field is its own variant")
    func absentFieldIsAVariant() async throws {
        try await withEdge(origin: Self.byLanguage) { edge, origin in
            _ = try edge.get("/v", headers: [("Accept-Language", "en")])
            let none = try edge.get("/v")
            #expect(none.text == "lang=none")
            #expect(none.cacheStatus.fwd == "vary-miss")
            #expect(try edge.get("/v").cacheStatus.isHit)
            #expect(try edge.get("/v", headers: [("Accept-Language", "en")]).text == "lang=en")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a response with Vary: * is never served from cache")
    func varyStar() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=600"), ("Vary", "*")], body: "unique") }) { edge, origin in
            for _ in 0..<3 {
                let response = try edge.get("/star")
                #expect(response.text == "unique")
                #expect(!response.cacheStatus.isHit)
                #expect(!response.cacheStatus.has("stored"))
            }
            #expect(origin.requestCount == 3)
        }
    }

    @Test("a fresh variant is replaced only for its own secondary key when revalidated")
    func otherVariantsUntouched() async throws {
        try await withEdge(origin: Self.byLanguage) { edge, origin in
            _ = try edge.get("/v", headers: [("Accept-Language", "en")])
            _ = try edge.get("/v", headers: [("Accept-Language", "de")])
            origin.respond { request in
                let language = request.headers.first(name: "accept-language") ?? "none"
                return .init(headers: [("Cache-Control", "max-age=600"), ("Vary", "Accept-Language")], body: "new lang=\(language)")
            }
            let reloaded = try edge.get("/v", headers: [("Accept-Language", "en"), ("Cache-Control", "no-cache")])
            #expect(reloaded.text == "new lang=en")
            #expect(try edge.get("/v", headers: [("Accept-Language", "en")]).text == "new lang=en")
            let german = try edge.get("/v", headers: [("Accept-Language", "de")])
            #expect(german.text == "lang=de")
            #expect(german.cacheStatus.isHit)
            #expect(origin.requestCount == 3)
        }
    }
}
