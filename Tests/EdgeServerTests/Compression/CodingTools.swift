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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = coding == "identity" ? ["cat", file.path] : [tool, "-d", "-c"] + extra + [file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try ProcessLaunch.run(process)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(tool) -d failed")
        return [UInt8](data)
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = coding == "gzip" ? ["gzip", "-c", "-n", file.path] : coding == "br" ? ["brotli", "-c", file.path] : ["zstd", "-q", "-c", file.path]
        let output = Pipe()
        process.standardOutput = output
        try ProcessLaunch.run(process)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](data)
    }
}
