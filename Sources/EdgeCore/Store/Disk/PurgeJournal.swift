/// The purges that records on disk must obey across restarts: every purge, numbered, as one line of
/// an append-only file. A record stored before a purge that covers it is never served, even after a
/// restart that emptied memory (what sank Varnish's persistent storage was purges forgotten this way).
///
/// Lines: `<number>\t<what>[\t<host>\t<path>]` with `what` one of `all`, `url`, `prefix`, `tag`;
/// fields are percent-encoded where they hold a tab, a newline or a percent sign. A torn last line
/// (a crash mid-append) is ignored: the purge it held was not answered yet.
public struct PurgeJournal: Sendable {
    public struct Entry: Sendable, Equatable {
        public var number: UInt64
        public var selection: PurgeSelection
    }

    public private(set) var entries: [Entry] = []
    /// The number the next purge gets; records are stamped with the current one when stored.
    public private(set) var next: UInt64 = 1

    public init() {}

    /// Every purge since a record stamped `storedEpoch` was stored: does one cover it?
    public func covers(_ key: CacheKey, tags: [String], storedEpoch: UInt64) -> Bool {
        for entry in entries.reversed() {
            guard entry.number > storedEpoch else { break }
            if entry.selection.covers(key, tags: tags) { return true }
        }
        return false
    }

    /// Records `selection` and returns the lines to append (one per URL, prefix and tag, or one for all).
    public mutating func record(_ selection: PurgeSelection) -> String {
        let entry = Entry(number: next, selection: PurgeSelection(keys: selection.keys, prefixes: selection.prefixes, tags: selection.tags, all: selection.all))
        next += 1
        entries.append(entry)
        return Self.lines(for: entry)
    }

    /// The journal in `text` (a file's contents); lines that do not parse whole are skipped.
    public static func parse(_ text: String) -> PurgeJournal {
        var journal = PurgeJournal()
        var byNumber: [UInt64: PurgeSelection] = [:]
        var order: [UInt64] = []
        // Only lines ended by a newline were written whole.
        let complete = text.hasSuffix("\n") ? Substring(text) : text[..<(text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex)]
        for line in complete.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { decode($0) }
            guard fields.count >= 2, let number = UInt64(fields[0]) else { continue }
            var selection = byNumber[number] ?? PurgeSelection()
            switch (fields[1], fields.count) {
            case ("all", 2): selection.all = true
            case ("tag", 3): selection.tags.append(fields[2])
            case ("url", 4): selection.keys.append(CacheKey(host: fields[2], target: fields[3]))
            case ("prefix", 4): selection.prefixes.append(CacheKey(host: fields[2], target: fields[3]))
            default: continue
            }
            if byNumber[number] == nil { order.append(number) }
            byNumber[number] = selection
        }
        for number in order.sorted() {
            if let selection = byNumber[number] {
                journal.entries.append(Entry(number: number, selection: selection))
            }
        }
        journal.next = (journal.entries.last?.number ?? 0) + 1
        return journal
    }

    static func lines(for entry: Entry) -> String {
        let number = String(entry.number)
        var lines = ""
        if entry.selection.all { lines += "\(number)\tall\n" }
        for key in entry.selection.keys { lines += "\(number)\turl\t\(encode(key.host))\t\(encode(key.pathAndQuery))\n" }
        for prefix in entry.selection.prefixes { lines += "\(number)\tprefix\t\(encode(prefix.host))\t\(encode(prefix.pathAndQuery))\n" }
        for tag in entry.selection.tags { lines += "\(number)\ttag\t\(encode(tag))\n" }
        return lines
    }

    private static func encode(_ field: String) -> String {
        var out = ""
        for character in field {
            switch character {
            case "%": out += "%25"
            case "\t": out += "%09"
            case "\n": out += "%0A"
            case "\r": out += "%0D"
            default: out.append(character)
            }
        }
        return out
    }

    private static func decode(_ field: Substring) -> String {
        guard field.contains("%") else { return String(field) }
        var out = ""
        var rest = field[...]
        while let percent = rest.firstIndex(of: "%") {
            out += rest[..<percent]
            let code = rest[percent...].prefix(3)
            switch code {
            case "%09": out += "\t"
            case "%0A": out += "\n"
            case "%0D": out += "\r"
            case "%25": out += "%"
            default: out += code
            }
            rest = rest[code.endIndex...]
        }
        return out + rest
    }
}
