/// Validation and rendering of a pool's health, retry and overload keys.
extension PoolConfig {
    func validateResilience(_ key: String) throws(ConfigError) {
        func invalid(_ name: String, _ message: String) -> ConfigError {
            ConfigError(file: "", key: "\(key).\(name)", message: message)
        }
        if let check = healthCheck {
            if !check.path.hasPrefix("/") { throw invalid("health_check.path", "expected a path starting with \"/\", got \"\(check.path)\"") }
            if check.path.contains(where: { $0.isWhitespace || $0.isNewline }) {
                throw invalid("health_check.path", "a path cannot contain whitespace")
            }
            if check.interval.nanoseconds <= 0 { throw invalid("health_check.interval", "must be more than 0, got \(check.interval)") }
            if check.timeout.nanoseconds <= 0 { throw invalid("health_check.timeout", "must be more than 0, got \(check.timeout)") }
            if check.rise < 1 { throw invalid("health_check.rise", "must be at least 1, got \(check.rise)") }
            if check.fall < 1 { throw invalid("health_check.fall", "must be at least 1, got \(check.fall)") }
        }
        if maxFails < 0 { throw invalid("max_fails", "must be 0 (off) or more, got \(maxFails)") }
        if let status = failStatus.first(where: { !(400...599).contains($0) }) {
            throw invalid("fail_status", "expected response statuses from 400 to 599, like [502, 503, 504], got \(status)")
        }
        if failTimeout.nanoseconds <= 0 { throw invalid("fail_timeout", "must be more than 0, got \(failTimeout)") }
        if retries < 0 { throw invalid("retries", "must be 0 or more, got \(retries)") }
        if !(0...1).contains(retryBudget) { throw invalid("retry_budget", "expected a fraction from 0 to 1, got \(retryBudget)") }
        if maxConcurrentRequests < 0 { throw invalid("max_concurrent_requests", "must be 0 (unlimited) or more, got \(maxConcurrentRequests)") }
        if queueSize < 0 { throw invalid("queue_size", "must be 0 or more, got \(queueSize)") }
        if queueTimeout.nanoseconds < 0 { throw invalid("queue_timeout", "cannot be negative") }
    }

    func renderResilience(_ out: inout TOMLWriter) {
        if let check = healthCheck {
            out.set("health_check", .inlineTable([
                ("path", .string(check.path)), ("interval", .string(check.interval.description)),
                ("timeout", .string(check.timeout.description)), ("rise", .integer(check.rise)),
                ("fall", .integer(check.fall)), ("expected_status", .string(check.expectedStatus.description)),
            ]))
        }
        out.set("max_fails", .integer(maxFails))
        out.set("fail_status", .array(failStatus.map { .integer($0) }))
        out.set("fail_timeout", .string(failTimeout.description))
        out.set("retries", .integer(retries))
        out.set("retry_on_unsafe", .bool(retryOnUnsafe))
        out.set("retry_budget", .number(retryBudget))
        out.set("max_concurrent_requests", .integer(maxConcurrentRequests))
        out.set("queue_size", .integer(queueSize))
        out.set("queue_timeout", .string(queueTimeout.description))
    }
}

extension DegradationConfig {
    func render(_ out: inout TOMLWriter) {
        out.table("degradation")
        out.set("in_flight_threshold", .integer(inFlightThreshold))
        out.set("loop_delay_threshold", .string(loopDelayThreshold.description))
        out.set("recover_below", .number(recoverBelow))
        out.set("hold", .string(hold.description))
        out.set("sample_interval", .string(sampleInterval.description))
        out.set("max_client_connections", .integer(maxClientConnections))
        out.set("max_in_flight_requests", .integer(maxInFlightRequests))
    }
}
