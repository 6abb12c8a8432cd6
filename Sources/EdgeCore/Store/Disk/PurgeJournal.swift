/// The purges that records on disk must obey across restarts: every purge, numbered, as lines of an
/// append-only file. A record stored before a purge that covers it is never served, even after a
/// restart that emptied memory (what sank Varnish's persistent storage was purges forgotten this way).
///
/// Lines: `<number>\t<what>[\t<host>\t<path>]` with `what` one of `all`, `url`, `prefix`, `tag`, or
/// `mark` (no purge: it keeps the numbering going after a compaction);
/// fields are percent-encoded where they hold a tab, a newline or a percent sign. A torn last line
/// (a crash mid-append) is ignored: the purge it held was not answered yet.
///
/// In memory only the latest number per URL, tag and prefix is kept (and of the latest purge of
/// everything), so asking whether a record is covered costs a few lookups however many purges came
/// before, and `compacted()` writes the same knowledge in a line each.
public struct PurgeJournal: Sendable {
    private var urls: [CacheKey: UInt64] = [:]
    private var tags: [String: UInt64] = [:]
    private var prefixes: [CacheKey: UInt64] = [:]
    private var everything: UInt64 = 0
    /// The number the next purge gets; records are stamped with `next - 1` when stored.
    public private(set) var next: UInt64 = 1
    /// Lines read or appended since the journal was last written whole.
    public private(set) var lines = 0

    public init() {}

    /// Every purge since a record stamped `storedEpoch` was stored: does one cover it?
    public func covers(_ key: CacheKey, tags recordTags: [String], storedEpoch: UInt64) -> Bool {
        // Rules are numbered from 1 up: none recorded after the record means none covers it.
        guard next - 1 > storedEpoch else { return false }
        if everything > storedEpoch { return true }
        if let number = urls[key], number > storedEpoch { return true }
        for tag in recordTags {
            if let number = tags[tag], number > storedEpoch { return true }
        }
        for (prefix, number) in prefixes where number > storedEpoch {
            if prefix.host == key.host, key.pathAndQuery.utf8.starts(with: prefix.pathAndQuery.utf8) { return true }
        }
        return false
    }

    /// Records `selection` (soft or not: on disk a purge removes) and returns the lines to append.
    public mutating func record(_ selection: PurgeSelection) -> String {
        let number = next
        next += 1
        var out = ""
        if selection.all { out += line(number, .all) }
        for key in selection.keys { out += line(number, .url(key)) }
        for prefix in selection.prefixes { out += line(number, .prefix(prefix)) }
        for tag in selection.tags { out += line(number, .tag(tag)) }
        return out
    }

    /// Adds what `other` knows (another node's purges read from the shared file): each rule keeps
    /// its latest number, and the numbering goes on after both.
    public mutating func adopt(_ other: PurgeJournal) {
        everything = max(everything, other.everything)
        urls.merge(other.urls, uniquingKeysWith: max)
        tags.merge(other.tags, uniquingKeysWith: max)
        prefixes.merge(other.prefixes, uniquingKeysWith: max)
        next = max(next, other.next)
    }

    /// What this journal knows that `known` does not: each URL, prefix and tag whose latest purge here
    /// is numbered above `known`'s (another node's purges, read from the shared file), as one purge.
    public func selection(beyond known: PurgeJournal) -> PurgeSelection {
        PurgeSelection(
            keys: urls.filter { $0.value > known.urls[$0.key] ?? 0 }.map(\.key),
            prefixes: prefixes.filter { $0.value > known.prefixes[$0.key] ?? 0 }.map(\.key),
            tags: tags.filter { $0.value > known.tags[$0.key] ?? 0 }.map(\.key),
            all: everything > known.everything)
    }

    /// The journal in `text` (a file's contents); lines that do not parse whole are skipped.
    public static func parse(_ text: String) -> PurgeJournal {
        var journal = PurgeJournal()
        // Only lines ended by a newline were written whole.
        let complete = text.hasSuffix("\n") ? Substring(text) : text[..<(text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex)]
        for line in complete.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { decode($0) }
            guard fields.count >= 2, let number = UInt64(fields[0]) else { continue }
            let rule: Rule
            switch (fields[1], fields.count) {
            case ("all", 2): rule = .all
            case ("tag", 3): rule = .tag(fields[2])
            case ("url", 4): rule = .url(CacheKey(host: fields[2], target: fields[3]))
            case ("prefix", 4): rule = .prefix(CacheKey(host: fields[2], target: fields[3]))
            case ("mark", 2): rule = .mark
            default: continue
            }
            journal.apply(rule, number)
            journal.lines += 1
            journal.next = max(journal.next, number + 1)
        }
        return journal
    }

    /// The same knowledge in one line per URL, tag and prefix (its latest purge) and one for the
    /// latest purge of everything; rules an `all` purge made moot are left out.
    public mutating func compacted() -> String {
        var out = ""
        var count = 0
        func emit(_ number: UInt64, _ rule: Rule) {
            guard number > everything || rule == .all else { return }
            out += line(number, rule)
            count += 1
        }
        if everything > 0 { emit(everything, .all) }
        for (key, number) in urls.sorted(by: { $0.value < $1.value }) { emit(number, .url(key)) }
        for (prefix, number) in prefixes.sorted(by: { $0.value < $1.value }) { emit(number, .prefix(prefix)) }
        for (tag, number) in tags.sorted(by: { $0.value < $1.value }) { emit(number, .tag(tag)) }
        urls = urls.filter { $0.value > everything }
        prefixes = prefixes.filter { $0.value > everything }
        tags = tags.filter { $0.value > everything }
        // The numbering goes on from where it was: records already stamped keep their meaning.
        if next > 1 {
            out += line(next - 1, .mark)
            count += 1
        }
        lines = count
        return out
    }

    /// How many rules the journal holds in memory.
    public var ruleCount: Int { urls.count + tags.count + prefixes.count + (everything > 0 ? 1 : 0) }

    private enum Rule: Equatable {
        case mark
        case all
        case url(CacheKey)
        case prefix(CacheKey)
        case tag(String)
    }

    private mutating func apply(_ rule: Rule, _ number: UInt64) {
        switch rule {
        case .mark: break
        case .all: everything = max(everything, number)
        case .url(let key): urls[key] = max(urls[key] ?? 0, number)
        case .prefix(let key): prefixes[key] = max(prefixes[key] ?? 0, number)
        case .tag(let tag): tags[tag] = max(tags[tag] ?? 0, number)
        }
    }

    private mutating func line(_ number: UInt64, _ rule: Rule) -> String {
        apply(rule, number)
        lines += 1
        switch rule {
        case .mark: return "\(number)\tmark\n"
        case .all: return "\(number)\tall\n"
        case .url(let key): return "\(number)\turl\t\(Self.encode(key.host))\t\(Self.encode(key.pathAndQuery))\n"
        case .prefix(let key): return "\(number)\tprefix\t\(Self.encode(key.host))\t\(Self.encode(key.pathAndQuery))\n"
        case .tag(let tag): return "\(number)\ttag\t\(Self.encode(tag))\n"
        }
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
