/// Bounded polling for background work (revalidation, storing after a response ends): the test
/// proceeds as soon as `condition` holds and fails only when it never does within `seconds`.
/// Nothing here measures how long the server took, so a slow shared machine cannot fail a test.
func eventually(within seconds: Double = 5, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
}

/// Waits long enough for a stored response to become stale (`max-age=1` wants 1.5 s).
func waitForStaleness(seconds: Double = 1.5) async throws {
    try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
}
