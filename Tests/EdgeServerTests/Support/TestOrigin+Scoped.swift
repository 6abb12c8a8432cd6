/// Runs `body` with a live test origin and stops the origin whatever happens.
func withTestOrigin<T>(
    _ handler: @escaping TestOrigin.Handler = { _ in TestOrigin.Response(body: "hello") },
    _ body: (TestOrigin) async throws -> T
) async throws -> T {
    let origin = try await TestOrigin(handler)
    do {
        let result = try await body(origin)
        await origin.stop()
        return result
    } catch {
        await origin.stop()
        throw error
    }
}
