import Testing
@testable import EdgeSettings

@Suite("EnvironmentOverrides")
struct EnvironmentOverridesTests {
    @Test("EDGE_ADMIN_TOKEN and EDGE_LOG_LEVEL override the configuration")
    func overrides() throws {
        var config = EdgeConfig.defaults
        config.admin.token = "from-file"
        try EnvironmentOverrides.apply(to: &config, environment: ["EDGE_ADMIN_TOKEN": "from-env", "EDGE_LOG_LEVEL": "DEBUG"])
        #expect(config.admin.token == "from-env")
        #expect(config.logging.level == .debug)
    }

    @Test("unset variables change nothing")
    func unset() throws {
        var config = EdgeConfig.defaults
        try EnvironmentOverrides.apply(to: &config, environment: ["HOME": "/root"])
        #expect(config == .defaults)
    }

    @Test("an unknown log level is an error naming the variable")
    func badLevel() {
        var config = EdgeConfig.defaults
        #expect(throws: ConfigError.self) {
            try EnvironmentOverrides.apply(to: &config, environment: ["EDGE_LOG_LEVEL": "loud"])
        }
        do {
            try EnvironmentOverrides.apply(to: &config, environment: ["EDGE_LOG_LEVEL": "loud"])
        } catch {
            #expect(error.description == "environment: EDGE_LOG_LEVEL: expected one of \"trace\", \"debug\", \"info\", \"notice\", \"warning\", \"error\", \"critical\", got \"loud\"")
        }
    }
}
