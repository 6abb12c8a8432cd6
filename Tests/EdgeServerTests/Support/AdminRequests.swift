import EdgeCore
@testable import EdgeServer

extension EdgeHarness {
    /// The port the admin listener bound (0 when it has none).
    var adminPort: Int { server.adminAddress?.port ?? 0 }

    /// One admin request on a fresh connection; `token` nil sends no Authorization field.
    func admin(_ method: String, _ path: String, body: String? = nil, token: String? = "secret", headers: [(String, String)] = []) throws -> RawHTTPConnection.Response {
        var fields = headers
        if let token { fields.append(("Authorization", "Bearer \(token)")) }
        let connection = try RawHTTPConnection(port: adminPort)
        try connection.send(EdgeHarness.request(method: method, path: path, headers: fields, host: "127.0.0.1", body: body))
        return try connection.readResponse(bodyExpected: method != "HEAD")
    }

    /// `POST /purge` with `json`.
    func purge(_ json: String, token: String? = "secret") throws -> RawHTTPConnection.Response {
        try admin("POST", "/purge", body: json, token: token, headers: [("Content-Type", "application/json")])
    }
}

/// `withEdge` with the admin API on a loopback port, guarded by `token`.
func withAdminEdge(
    token: String = "secret",
    origin handler: @escaping TestOrigin.Handler = { _ in TestOrigin.Response(body: "hello") },
    configure: @escaping (inout EdgeServer.Configuration) -> Void = { _ in },
    _ body: (EdgeHarness, TestOrigin) async throws -> Void
) async throws {
    try await withEdge(origin: handler, configure: { configuration in
        configuration.admin = AdminSettings(listen: ("127.0.0.1", 0), token: token)
        configure(&configuration)
    }, body)
}
