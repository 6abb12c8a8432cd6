import Testing

@testable import EdgeSettings

@Suite("Pool health, retry and degradation config")
struct PoolResilienceConfigTests {
    @Test("health_check, retry and overload keys decode with their values")
    func decodes() throws {
        let text = """
            [[pools]]
            name = "web"
            servers = [{ url = "http://127.0.0.1:9000" }, { url = "http://127.0.0.1:9001", backup = true }]
            balancing = "least_connections"
            health_check = { path = "/health", interval = "2s", timeout = "500ms", rise = 3, fall = 2, expected_status = "200-299" }
            max_fails = 4
            fail_status = [502, 503, 504]
            retries = 2
            retry_on_unsafe = true
            retry_budget = 0.1
            max_concurrent_requests = 100
            queue_size = 8
            queue_timeout = "50ms"

            [degradation]
            in_flight_threshold = 500
            loop_delay_threshold = "50ms"
            max_in_flight_requests = 2000
            """
        let config = try EdgeConfig.parse(text, fileName: "edge.conf")
        let pool = try #require(config.pools.first)
        #expect(pool.healthCheck?.path == "/health")
        #expect(pool.healthCheck?.expectedStatus == StatusRange(lower: 200, upper: 299))
        #expect(pool.healthCheck?.rise == 3)
        #expect(pool.maxFails == 4)
        #expect(pool.failStatus == [502, 503, 504])
        #expect(pool.retries == 2)
        #expect(pool.retryOnUnsafe)
        #expect(pool.maxConcurrentRequests == 100)
        #expect(pool.queueTimeout == .milliseconds(50))
        #expect(config.degradation.inFlightThreshold == 500)
        #expect(config.degradation.maxInFlightRequests == 2000)
    }

    @Test("a bad expected_status, health-check path or retry budget names its key")
    func invalid() {
        let base = "[[pools]]\nservers = [{ url = \"http://127.0.0.1:9000\" }]\n"
        #expect(throws: ConfigError.self) { try EdgeConfig.parse(base + "health_check = { expected_status = \"600\" }", fileName: "f") }
        do {
            _ = try EdgeConfig.parse(base + "health_check = { path = \"health\" }", fileName: "f")
            Issue.record("accepted a path without /")
        } catch {
            #expect(error.key == "pools[0].health_check.path")
        }
        do {
            _ = try EdgeConfig.parse(base + "retry_budget = 2.0", fileName: "f")
            Issue.record("accepted retry_budget 2")
        } catch {
            #expect(error.key == "pools[0].retry_budget")
        }
        do {
            _ = try EdgeConfig.parse(base + "fail_status = [503, 200]", fileName: "f")
            Issue.record("accepted fail_status 200")
        } catch {
            #expect(error.key == "pools[0].fail_status")
        }
        do {
            _ = try EdgeConfig.parse("[degradation]\nrecover_below = 0.0\n", fileName: "f")
            Issue.record("accepted recover_below 0")
        } catch {
            #expect(error.key == "degradation.recover_below")
        }
    }

    @Test("fail_status is empty by default: no status counts against a server")
    func failStatusDefault() throws {
        let config = try EdgeConfig.parse("[[pools]]\nservers = [{ url = \"http://127.0.0.1:9000\" }]\n", fileName: "f")
        #expect(config.pools.first?.failStatus == [])
    }

    @Test("status ranges parse as a range or a single status")
    func statusRange() {
        #expect(StatusRange.parse("200-399") == StatusRange(lower: 200, upper: 399))
        #expect(StatusRange.parse("204") == StatusRange(lower: 204, upper: 204))
        #expect(StatusRange.parse("399-200") == nil)
        #expect(StatusRange.parse("abc") == nil)
    }
}
