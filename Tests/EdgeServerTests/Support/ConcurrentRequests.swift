extension EdgeHarness {
    /// Sends the same request on `count` connections before reading any answer, so the edge has all
    /// of them in flight at once (coalescing), then reads every response in order.
    func concurrentGets(_ path: String, count: Int, headers: [(String, String)] = []) throws -> [RawHTTPConnection.Response] {
        var connections: [RawHTTPConnection] = []
        for _ in 0..<count {
            let connection = try connect()
            try connection.send(Self.request(path: path, headers: headers))
            connections.append(connection)
        }
        return try connections.map { try $0.readResponse() }
    }
}
