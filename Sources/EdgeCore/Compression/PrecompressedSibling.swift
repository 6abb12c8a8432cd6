import Foundation

/// Picks a precompressed file that sits next to a static file (`app.js.br`, `app.js.zst`,
/// `app.js.gz`), for static folders: used as it is when present and not older than the source.
public enum PrecompressedSibling {
    /// A usable sibling: its path and its coding.
    public struct Choice: Sendable, Equatable {
        public var path: String
        public var coding: ContentCoding
    }

    /// The best sibling of `path` the client accepts, or nil to serve `path` itself (or compress it).
    /// `modificationDate` gives a file's modification time, nil when the file does not exist.
    public static func choose(
        for path: String, accept: AcceptEncoding, codings: [ContentCoding] = [.br, .zstd, .gzip],
        modificationDate: (String) -> Date? = Self.fileModificationDate
    ) -> Choice? {
        guard let sourceDate = modificationDate(path) else { return nil }
        var available: [ContentCoding] = []
        var paths: [ContentCoding: String] = [:]
        for coding in codings {
            guard let suffix = coding.fileSuffix else { continue }
            let candidate = path + suffix
            if let date = modificationDate(candidate), date >= sourceDate {
                available.append(coding)
                paths[coding] = candidate
            }
        }
        guard !available.isEmpty else { return nil }
        guard let chosen = accept.negotiate(available + [.identity]), let chosenPath = paths[chosen] else { return nil }
        return Choice(path: chosenPath, coding: chosen)
    }

    /// Whether any sibling coding of `path` exists (so its responses vary by Accept-Encoding).
    public static func hasSiblings(_ path: String, codings: [ContentCoding] = [.br, .zstd, .gzip]) -> Bool {
        codings.contains { coding in coding.fileSuffix.map { fileModificationDate(path + $0) != nil } ?? false }
    }

    /// The modification time of a regular file, nil when there is none.
    public static func fileModificationDate(_ path: String) -> Date? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              attributes[.type] as? FileAttributeType == .typeRegular else { return nil }
        return attributes[.modificationDate] as? Date
    }
}
