import Testing
@testable import EdgeServer
@Test func placeholder() {}
