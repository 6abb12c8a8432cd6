/// How many retries a pool may send: every request deposits `ratio` of a retry, every retry
/// withdraws one, and the balance never exceeds `reserve`. With ratio 0.2, retries add at most 20 %
/// to the load an outage brings (plus the reserve), so retries cannot amplify it.
///
/// The balance is an integer in thousandths of a retry so the server can keep it in one atomic.
public struct RetryBudget: Sendable, Equatable {
    public static let unit = 1000
    /// Fraction of a retry each request earns.
    public let ratio: Double
    /// The most retries that can be saved up (and the starting balance).
    public let reserve: Int

    public init(ratio: Double = 0.2, reserve: Int = 10) {
        self.ratio = max(0, ratio)
        self.reserve = max(0, reserve)
    }

    public var initialBalance: Int { reserve * Self.unit }

    /// The balance after one request's deposit.
    public func afterRequest(_ balance: Int) -> Int {
        min(reserve * Self.unit, balance + Int((ratio * Double(Self.unit)).rounded()))
    }

    /// The balance after one retry, or nil when the budget cannot pay for it.
    public func afterRetry(_ balance: Int) -> Int? {
        balance >= Self.unit ? balance - Self.unit : nil
    }
}
