import Testing

@testable import EdgeCore

@Suite("Merging an origin's Early Hints with the edge's")
struct EarlyHintLinksTests {
    @Test("links the client already has are left out, compared by target")
    func dropsDuplicates() {
        let sent = ["</app.js>; rel=modulepreload", "</app.css>; rel=preload; as=style"]
        let origin = ["</app.js>; rel=preload; as=script, </font.woff2>; rel=preload; as=font", "</app.css>; rel=preload; as=style"]
        #expect(EarlyHintLinks.unsent(origin, after: sent) == ["</font.woff2>; rel=preload; as=font"])
    }

    @Test("commas inside a target or a quoted parameter do not split a link")
    func quotedCommas() {
        let origin = [#"</a,b.css>; rel=preload; title="x, y", </c.js>; rel=modulepreload"#]
        #expect(EarlyHintLinks.unsent(origin, after: []) == [#"</a,b.css>; rel=preload; title="x, y""#, "</c.js>; rel=modulepreload"])
    }

    @Test("the origin's own repeats are sent once")
    func originRepeats() {
        #expect(EarlyHintLinks.unsent(["</x.js>; rel=modulepreload", "</x.js>; rel=modulepreload"], after: []) == ["</x.js>; rel=modulepreload"])
    }
}
