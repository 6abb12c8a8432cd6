import Testing

@testable import EdgeCore

@Suite("Retry budget")
struct RetryBudgetTests {
    @Test("in a total outage retries stay within 20% of requests plus the reserve")
    func outageBound() {
        let budget = RetryBudget(ratio: 0.2, reserve: 10)
        var balance = budget.initialBalance
        var retries = 0
        for _ in 0..<1_000 {
            balance = budget.afterRequest(balance)
            // Every request fails and wants a retry.
            if let next = budget.afterRetry(balance) {
                balance = next
                retries += 1
            }
        }
        #expect(retries <= 200 + 10)
        #expect(retries >= 200)
    }

    @Test("an empty budget refuses a retry, and deposits never exceed the reserve")
    func limits() {
        let budget = RetryBudget(ratio: 0.5, reserve: 2)
        #expect(budget.afterRetry(999) == nil)
        var balance = 0
        for _ in 0..<100 { balance = budget.afterRequest(balance) }
        #expect(balance == 2 * RetryBudget.unit)
    }

    @Test("ratio 0 allows only the reserve")
    func zeroRatio() {
        let budget = RetryBudget(ratio: 0, reserve: 1)
        var balance = budget.afterRequest(budget.initialBalance)
        balance = budget.afterRetry(balance) ?? -1
        #expect(balance == 0)
        #expect(budget.afterRetry(budget.afterRequest(balance)) == nil)
    }
}
