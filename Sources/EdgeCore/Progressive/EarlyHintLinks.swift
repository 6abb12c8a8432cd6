/// Merging an origin's `103 Early Hints` into the hints the edge already sent for a page from its
/// manifest: a client is told of each linked resource once.
public enum EarlyHintLinks {
    /// The members of `originValues` (Link field values, each possibly a comma-separated list) whose
    /// target is not among `sent`, in order and without repeats among themselves.
    public static func unsent(_ originValues: [String], after sent: [String]) -> [String] {
        var seen = Set(sent.flatMap(members).map(target))
        var out: [String] = []
        for member in originValues.flatMap(members) where seen.insert(target(of: member)).inserted {
            out.append(member)
        }
        return out
    }

    /// Splits a Link field value into its link-values at commas outside `<…>` and quoted strings.
    static func members(_ value: String) -> [String] {
        var members: [String] = []
        var current = ""
        var inTarget = false
        var inQuotes = false
        var escaped = false
        for character in value {
            if escaped {
                escaped = false
            } else if inQuotes {
                if character == "\\" { escaped = true } else if character == "\"" { inQuotes = false }
            } else if character == "<" {
                inTarget = true
            } else if character == ">" {
                inTarget = false
            } else if character == "\"" {
                inQuotes = true
            } else if character == ",", !inTarget {
                members.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        members.append(current)
        return members.map { $0.trimmingHTTPWhitespace() }.filter { !$0.isEmpty }
    }

    /// The URI reference between `<` and `>`; the whole member when it has none.
    static func target(of member: String) -> String {
        guard let open = member.firstIndex(of: "<"), let close = member[open...].firstIndex(of: ">") else { return member }
        return String(member[member.index(after: open)..<close])
    }
}
