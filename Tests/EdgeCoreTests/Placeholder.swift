import Testing
@testable import EdgeCore
@Test func placeholder() {}
