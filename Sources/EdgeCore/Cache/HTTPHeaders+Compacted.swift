import NIOHTTP1

extension HTTPHeaders {
    /// The same fields in an array of exactly their number.
    ///
    /// A stored response keeps its fields for as long as it is cached, and the arrays they arrive in
    /// have room to spare: NIO's decoder reserves 16 fields per head, and an append (a prepared copy
    /// adding Via) doubles the capacity. The names and values are shared, not copied.
    func compacted() -> HTTPHeaders {
        var fields: [(String, String)] = []
        fields.reserveCapacity(count)
        for (name, value) in self {
            fields.append((name, value))
        }
        return HTTPHeaders(fields)
    }
}
