import Testing

/// Tests that move tens of MiB or measure the process's resident memory take turns.
///
/// The memory figure is the whole test process's, so one test's buffers must not count against another
/// test's bound; everything else still runs in parallel.
struct MemoryHeavy: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // Suites are scoped through their tests (isRecursive), so only test cases take the gate.
        guard testCase != nil || !test.isSuite else {
            try await function()
            return
        }
        await MemoryHeavyGate.shared.enter()
        do {
            try await function()
        } catch {
            await MemoryHeavyGate.shared.leave()
            throw error
        }
        await MemoryHeavyGate.shared.leave()
    }
}

extension Trait where Self == MemoryHeavy {
    static var memoryHeavy: MemoryHeavy { MemoryHeavy() }
}

/// A one-at-a-time gate for async tests.
actor MemoryHeavyGate {
    static let shared = MemoryHeavyGate()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
