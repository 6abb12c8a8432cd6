import Foundation

/// Finds the line on which a key path (`pools[1].servers[0].url`) is written in TOML text.
///
/// TOMLKit reports type and unknown-key errors with a coding path but no position, so the
/// loader scans the text itself. It runs only on text TOMLKit already accepted, so it can
/// be lenient: anything it does not understand is skipped, never fatal.
struct TOMLKeyLocator {
    struct Entry: Equatable {
        /// 1-based line where the key (or table header) is written.
        var line: Int
        /// The value as written in the source for scalars ("\"lots\"", "5"); for tables and
        /// arrays, what it is ("a table", "an array").
        var rawValue: String
    }

    private(set) var entries: [String: Entry] = [:]

    init(text: String) {
        var scanner = Scanner(chars: Array(text.unicodeScalars))
        scanner.run()
        entries = scanner.entries
    }

    /// The entry for exactly this path, if the text names it.
    func entry(for path: String) -> Entry? {
        entries[path]
    }

    /// The line of the path, else of its nearest enclosing key or table, else line 1.
    func line(for components: [ConfigPath.Component]) -> Int {
        var components = components
        while !components.isEmpty {
            if let entry = entries[ConfigPath.render(components)] {
                return entry.line
            }
            components.removeLast()
        }
        return 1
    }
}

/// Key paths as the config errors spell them: `pools[1].servers[0].url`.
enum ConfigPath {
    enum Component: Hashable {
        case key(String)
        case index(Int)
    }

    static func render(_ components: [Component]) -> String {
        var out = ""
        for component in components {
            switch component {
            case .key(let key):
                if !out.isEmpty { out += "." }
                out += key
            case .index(let index):
                out += "[\(index)]"
            }
        }
        return out
    }

    static func components(_ codingPath: [any CodingKey]) -> [Component] {
        codingPath.map { key in
            if let index = key.intValue { return .index(index) }
            return .key(key.stringValue)
        }
    }
}

private struct Scanner {
    let chars: [Unicode.Scalar]
    var pos = 0
    var line = 1
    var entries: [String: TOMLKeyLocator.Entry] = [:]
    /// Number of `[[x]]` headers seen per array-of-tables path (with parent indices resolved).
    var tableArrayCounts: [String: Int] = [:]

    init(chars: [Unicode.Scalar]) {
        self.chars = chars
    }

    var atEnd: Bool { pos >= chars.count }
    var current: Unicode.Scalar? { pos < chars.count ? chars[pos] : nil }

    func peek(_ offset: Int) -> Unicode.Scalar? {
        pos + offset < chars.count ? chars[pos + offset] : nil
    }

    mutating func advance() {
        guard let c = current else { return }
        if c == "\n" { line += 1 }
        pos += 1
    }

    mutating func record(_ components: [ConfigPath.Component], line: Int, raw: String) {
        let path = ConfigPath.render(components)
        if entries[path] == nil {
            entries[path] = TOMLKeyLocator.Entry(line: line, rawValue: raw)
        }
    }

    mutating func skipSpaces() {
        while let c = current, c == " " || c == "\t" { advance() }
    }

    /// Skips whitespace, newlines and comments (inside arrays).
    mutating func skipBlank() {
        while let c = current {
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                advance()
            } else if c == "#" {
                skipToLineEnd()
            } else {
                return
            }
        }
    }

    mutating func skipToLineEnd() {
        while let c = current, c != "\n" { advance() }
    }

    mutating func run() {
        var prefix: [ConfigPath.Component] = []
        while !atEnd {
            skipBlank()
            guard let c = current else { return }
            if c == "[" {
                prefix = header()
            } else {
                keyValue(prefix: prefix)
            }
            skipSpaces()
            if current == "#" { skipToLineEnd() }
            // Anything left on the line is not understood; skip it rather than misread it.
            skipToLineEnd()
        }
    }

    /// Parses `[a.b]` or `[[a.b]]` and returns the resolved table path.
    mutating func header() -> [ConfigPath.Component] {
        let headerLine = line
        advance()
        let isArray = current == "["
        if isArray { advance() }
        skipSpaces()
        let keys = dottedKey()
        skipSpaces()
        while let c = current, c == "]" { advance() }

        var resolved: [ConfigPath.Component] = []
        for (offset, key) in keys.enumerated() {
            resolved.append(.key(key))
            let path = ConfigPath.render(resolved)
            let isLast = offset == keys.count - 1
            if isLast && isArray {
                let index = tableArrayCounts[path, default: 0]
                tableArrayCounts[path] = index + 1
                record(resolved, line: headerLine, raw: "an array of tables")
                resolved.append(.index(index))
            } else if let count = tableArrayCounts[path], count > 0 {
                resolved.append(.index(count - 1))
            }
        }
        record(resolved, line: headerLine, raw: "a table")
        return resolved
    }

    mutating func keyValue(prefix: [ConfigPath.Component]) {
        let keyLine = line
        let keys = dottedKey()
        guard !keys.isEmpty else { return }
        skipSpaces()
        guard current == "=" else { return }
        advance()
        skipSpaces()
        let path = prefix + keys.map { .key($0) }
        for depth in 1..<keys.count {
            record(prefix + keys.prefix(depth).map { .key($0) }, line: keyLine, raw: "a table")
        }
        value(path: path, keyLine: keyLine)
    }

    mutating func dottedKey() -> [String] {
        var keys: [String] = []
        while true {
            skipSpaces()
            guard let key = simpleKey() else { return keys }
            keys.append(key)
            skipSpaces()
            guard current == "." else { return keys }
            advance()
        }
    }

    mutating func simpleKey() -> String? {
        guard let c = current else { return nil }
        if c == "\"" || c == "'" {
            return quotedString()
        }
        var key = ""
        while let c = current, c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "-" {
            key.unicodeScalars.append(c)
            advance()
        }
        return key.isEmpty ? nil : key
    }

    /// Reads a single-line basic or literal string and returns its content (escapes kept simple).
    mutating func quotedString() -> String {
        guard let quote = current else { return "" }
        advance()
        var text = ""
        while let c = current, c != quote, c != "\n" {
            if c == "\\" && quote == "\"" {
                advance()
                if let escaped = current { text.unicodeScalars.append(escaped) }
                advance()
                continue
            }
            text.unicodeScalars.append(c)
            advance()
        }
        advance()
        return text
    }

    mutating func value(path: [ConfigPath.Component], keyLine: Int) {
        switch current {
        case "[":
            record(path, line: keyLine, raw: "an array")
            advance()
            var index = 0
            while true {
                skipBlank()
                guard let c = current else { return }
                if c == "]" { advance(); return }
                if c == "," { advance(); continue }
                let elementLine = line
                let before = pos
                value(path: path + [.index(index)], keyLine: elementLine)
                index += 1
                if pos == before { advance() }
            }
        case "{":
            record(path, line: keyLine, raw: "a table")
            advance()
            while true {
                skipSpaces()
                guard let c = current, c != "\n" else { return }
                if c == "}" { advance(); return }
                if c == "," { advance(); continue }
                let before = pos
                keyValue(prefix: path)
                if pos == before { advance() }
            }
        default:
            record(path, line: keyLine, raw: scalarText())
        }
    }

    /// Consumes a scalar value and returns its source text.
    mutating func scalarText() -> String {
        let start = pos
        if let c = current, c == "\"" || c == "'" {
            let isMultiline = peek(1) == c && peek(2) == c
            if isMultiline {
                advance(); advance(); advance()
                while !atEnd && !(current == c && peek(1) == c && peek(2) == c) {
                    if current == "\\" && c == "\"" { advance() }
                    advance()
                }
                advance(); advance(); advance()
            } else {
                _ = quotedString()
            }
        } else {
            while let c = current, c != ",", c != "]", c != "}", c != "\n", c != "#" { advance() }
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: chars[start..<min(pos, chars.count)])
        return text.trimmingCharacters(in: [" ", "\t", "\r"])
    }
}
