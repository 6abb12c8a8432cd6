/// `CDN-Loop` (RFC 8586): each CDN node a request passes through appends its identifier; none removes
/// another's. A node that finds itself named too often is part of a loop.
public enum CDNLoop {
    public static let fieldName = "cdn-loop"

    /// How many members of the `CDN-Loop` field values name `identifier` (case-insensitively; a
    /// member's parameters after `;` are ignored, commas inside quoted strings do not split).
    public static func occurrences(of identifier: String, in values: [String]) -> Int {
        let wanted = identifier.lowercased()
        var count = 0
        for value in values {
            for member in members(value) where member == wanted {
                count += 1
            }
        }
        return count
    }

    /// The `cdn-id` of each member of one field value, lowercased.
    static func members(_ value: String) -> [String] {
        var ids: [String] = []
        var current = ""
        var inQuotes = false
        var escaped = false
        var inParameters = false
        func close() {
            let id = current.trimmingHTTPWhitespace().lowercased()
            if !id.isEmpty { ids.append(id) }
            current = ""
            inParameters = false
        }
        for character in value {
            if inQuotes {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inQuotes = false }
                continue
            }
            switch character {
            case "\"": inQuotes = true
            case ",": close()
            case ";": inParameters = true
            default: if !inParameters { current.append(character) }
            }
        }
        close()
        return ids
    }

    /// The field's value with `identifier` appended to what earlier nodes wrote.
    public static func appending(_ identifier: String, to values: [String]) -> String {
        let earlier = values.map { $0.trimmingHTTPWhitespace() }.filter { !$0.isEmpty }
        return (earlier + [identifier]).joined(separator: ", ")
    }
}
