import NIOCore
import Testing
@testable import EdgeCore

@Suite("Streaming </body> injector")
struct BodyEndInjectorTests {
    static let insertion = "<script type=\"module\" src=\"/e.js\"></script>"

    /// Feeds `page` cut into the given chunk sizes (cycled) and returns the output and whether it inserted.
    static func run(_ page: String, chunkSizes: [Int]) -> (String, Bool) {
        var injector = BodyEndInjector(insertion: insertion)
        let bytes = Array(page.utf8)
        var output: [UInt8] = []
        var offset = 0
        var size = 0
        while offset < bytes.count {
            let length = min(chunkSizes[size % chunkSizes.count], bytes.count - offset)
            size += 1
            for piece in injector.feed(ByteBuffer(bytes: bytes[offset..<(offset + length)])) {
                output += piece.readableBytesView
            }
            offset += length
        }
        for piece in injector.finish() {
            output += piece.readableBytesView
        }
        return (String(decoding: output, as: UTF8.self), injector.inserted)
    }

    static func expected(_ page: String, before marker: String) -> String {
        guard let range = page.range(of: marker) else { return page }
        return page[..<range.lowerBound] + insertion + page[range.lowerBound...]
    }

    @Test("the insertion lands just before </body> however the page is cut into chunks", arguments: [[1], [2], [3], [5], [7], [4096], [1, 6, 2]])
    func chunkBoundaries(sizes: [Int]) {
        let page = "<html><body><h1>Shop</h1><p>Lamps</p></body></html>"
        let (output, inserted) = Self.run(page, chunkSizes: sizes)
        #expect(inserted)
        #expect(output == Self.expected(page, before: "</body>"))
    }

    @Test("a page without </body> passes through byte for byte")
    func absent() {
        let page = "<html><body><p>no end tag here</p><p>and a < sign and </bod and </b"
        for sizes in [[1], [3], [100]] {
            let (output, inserted) = Self.run(page, chunkSizes: sizes)
            #expect(!inserted)
            #expect(output == page)
        }
    }

    @Test("</body> inside a comment, a script, a style, a title or a textarea is not the end of the body", arguments: [
        "<!-- </body> -->", "<script>document.write('</body>')</script>", "<style>/* </body> */</style>",
        "<title>a </body> b</title>", "<textarea></body></textarea>", "<SCRIPT type=\"x\">if (a</body) {}</SCRIPT>",
    ])
    func ignoredContexts(trap: String) {
        let page = "<html><body><p>x</p>\(trap)<p>y</p></body></html>"
        for sizes in [[1], [4], [1000]] {
            let (output, inserted) = Self.run(page, chunkSizes: sizes)
            #expect(inserted)
            #expect(output == Self.expected(page, before: "</body></html>"), "cut into \(sizes)")
        }
    }

    @Test("only the first real </body> gets the insertion, in any letter case")
    func repeated() {
        let page = "<body>a</BODY >b</body>"
        let (output, _) = Self.run(page, chunkSizes: [2])
        #expect(output == "<body>a" + Self.insertion + "</BODY >b</body>")
    }

    @Test("a tag that only starts like </body> is not it")
    func lookalikes() {
        let page = "<body></bodyguard><p></body>"
        let (output, _) = Self.run(page, chunkSizes: [3])
        #expect(output == "<body></bodyguard><p>" + Self.insertion + "</body>")
    }

    @Test("an unterminated comment swallows the rest: nothing is inserted and nothing is lost")
    func unterminatedComment() {
        let page = "<body><!-- open comment </body>"
        let (output, inserted) = Self.run(page, chunkSizes: [5])
        #expect(!inserted)
        #expect(output == page)
    }
}
