/// An amount of bytes, written in the config as `"256MiB"`, `"16KiB"`, `"1GB"`, `"512B"` or a bare integer.
///
/// Binary units (KiB, MiB, GiB, TiB) are powers of 1024; decimal units (KB, MB, GB, TB) are
/// powers of 1000, as their names say. Units are case-insensitive; a space before the unit is allowed.
public struct ByteSize: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var bytes: Int

    public init(bytes: Int) {
        self.bytes = bytes
    }

    public static func kibibytes(_ n: Int) -> ByteSize { ByteSize(bytes: n * 1024) }
    public static func mebibytes(_ n: Int) -> ByteSize { ByteSize(bytes: n * 1024 * 1024) }
    public static func gibibytes(_ n: Int) -> ByteSize { ByteSize(bytes: n * 1024 * 1024 * 1024) }

    static let expectation = "expected a size like \"256MiB\""

    private static let units: [(name: String, factor: Int)] = [
        ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
        ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000),
        ("B", 1),
    ]

    /// Parses `"256MiB"`-style text; nil when it is not a size or does not fit in an `Int`.
    public init?(parsing text: String) {
        let trimmed = text.trimmingHTTPWhitespace()
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let unitText = trimmed.dropFirst(digits.count).trimmingHTTPWhitespace().lowercased()
        let factor: Int
        if unitText.isEmpty {
            factor = 1
        } else if let unit = Self.units.first(where: { $0.name.lowercased() == unitText }) {
            factor = unit.factor
        } else {
            return nil
        }
        let (product, overflow) = number.multipliedReportingOverflow(by: factor)
        guard !overflow else { return nil }
        self.bytes = product
    }

    /// The shortest exact spelling: `"256MiB"`, `"1GB"`, `"1500B"`, `"0"`.
    public var description: String {
        if bytes == 0 { return "0" }
        for unit in Self.units where unit.factor > 1 && bytes % unit.factor == 0 {
            return "\(bytes / unit.factor)\(unit.name)"
        }
        return "\(bytes)B"
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int.self) {
            guard integer >= 0 else { throw ConfigIssue(at: decoder, "a size cannot be negative") }
            self.bytes = integer
            return
        }
        let text = try container.configString(Self.expectation, at: decoder)
        guard let size = ByteSize(parsing: text) else { throw ConfigIssue(at: decoder, Self.expectation) }
        self = size
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
