import EdgeCore
/// A JSON value written by hand, so that admin answers keep their field order and need no Foundation.
indirect enum JSONText: Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case array([JSONText])
    case object([(String, JSONText)])
    case null

    var rendered: String {
        switch self {
        case .string(let text): return QuotedString.basic(text)
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array(let values): return "[" + values.map(\.rendered).joined(separator: ",") + "]"
        case .object(let fields): return "{" + fields.map { QuotedString.basic($0.0) + ":" + $0.1.rendered }.joined(separator: ",") + "}"
        }
    }
}
