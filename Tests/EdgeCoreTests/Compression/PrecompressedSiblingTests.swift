import Foundation
import Testing
@testable import EdgeCore

@Suite("Precompressed siblings")
struct PrecompressedSiblingTests {
    func choose(_ accept: String, files: [String: TimeInterval]) -> PrecompressedSibling.Choice? {
        PrecompressedSibling.choose(for: "/s/app.js", accept: AcceptEncoding(fieldValues: [accept])) { path in
            files[path].map { Date(timeIntervalSince1970: $0) }
        }
    }

    @Test("the best accepted sibling is picked when not older than the source")
    func picksBest() {
        let files: [String: TimeInterval] = ["/s/app.js": 100, "/s/app.js.br": 100, "/s/app.js.gz": 200, "/s/app.js.zst": 150]
        #expect(choose("gzip, br", files: files) == .init(path: "/s/app.js.br", coding: .br))
        #expect(choose("gzip, zstd", files: files) == .init(path: "/s/app.js.zst", coding: .zstd))
        #expect(choose("gzip", files: files) == .init(path: "/s/app.js.gz", coding: .gzip))
        #expect(choose("identity", files: files) == nil)
    }

    @Test("a sibling older than the source is not used")
    func staleSibling() {
        let files: [String: TimeInterval] = ["/s/app.js": 300, "/s/app.js.br": 100, "/s/app.js.gz": 400]
        #expect(choose("br, gzip", files: files) == .init(path: "/s/app.js.gz", coding: .gzip))
        #expect(choose("br", files: files) == nil)
    }

    @Test("no source, no siblings")
    func missing() {
        #expect(choose("br", files: ["/s/app.js.br": 1]) == nil)
        #expect(choose("br", files: ["/s/app.js": 1]) == nil)
    }

    @Test("real files: modification dates come from the file system")
    func realFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edge-sibling-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("a.css").path
        try Data("body{}".utf8).write(to: URL(fileURLWithPath: source))
        try Data([1, 2]).write(to: URL(fileURLWithPath: source + ".br"))
        let choice = PrecompressedSibling.choose(for: source, accept: AcceptEncoding(fieldValues: ["br"]))
        #expect(choice?.coding == .br)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: source + ".br")
        #expect(PrecompressedSibling.choose(for: source, accept: AcceptEncoding(fieldValues: ["br"])) == nil)
    }
}
