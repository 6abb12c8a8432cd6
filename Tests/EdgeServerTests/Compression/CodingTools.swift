import Foundation
import Testing

/// Decodes with the independent command-line tools (`brotli`, `gzip`, `zstd`), not with Edge's codecs.
enum CodingTools {
    static func decode(_ coding: String, _ bytes: [UInt8]) throws -> [UInt8] {
        let (tool, suffix, extra): (String, String, [String]) = switch coding {
        case "br": ("brotli", ".br", [])
        case "gzip": ("gzip", ".gz", [])
        case "zstd": ("zstd", ".zst", ["-q"])
        default: ("cat", ".bin", [])
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("edge-coded-\(UUID().uuidString)\(suffix)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let outcome = coding == "identity"
            ? try ExternalTool.runBlocking("cat", [file.path], timeoutSeconds: 120)
            : try ExternalTool.runBlocking(tool, ["-d", "-c"] + extra + [file.path], timeoutSeconds: 120)
        #expect(outcome.exitCode == 0, "\(tool) -d failed: \(outcome.stderr)")
        return [UInt8](outcome.stdout)
    }

    /// Text that compresses like source code, `count` bytes long.
    static func sample(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count + 64)
        var index = 0
        while out.count < count {
            out += Array("export const item\(index) = { id: \(index), name: \"n\(index * 7919 % 1000)\" };\n".utf8)
            index += 1
        }
        return Array(out.prefix(count))
    }

    /// Compresses with the command-line tool (for origins that send coded bodies).
    static func encode(_ coding: String, _ bytes: [UInt8]) throws -> [UInt8] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("edge-plain-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let outcome = coding == "gzip" ? try ExternalTool.runBlocking("gzip", ["-c", "-n", file.path], timeoutSeconds: 120)
            : coding == "br" ? try ExternalTool.runBlocking("brotli", ["-c", file.path], timeoutSeconds: 120)
            : try ExternalTool.runBlocking("zstd", ["-q", "-c", file.path], timeoutSeconds: 120)
        return [UInt8](outcome.stdout)
    }
}
