import NIOCore

/// Which of an origin connection's timeouts is running.
enum ExchangeTimeout {
    /// From the request (or its last byte, or an interim response) to the response's head.
    case firstByte
    /// Between two reads of the response's body.
    case idle
}

/// The first-byte and idle timeouts of an exchange on one timer. An exchange moves its deadline four
/// or more times (request written, request ended, head, every body part, end), and scheduling and
/// cancelling a NIO task for each was 2 % of a miss. Here moving the deadline is a store: the one
/// scheduled check, when it finds the deadline further off than when it was set, checks again then.
/// Only a deadline nearer than the pending check (an idle timeout followed by a shorter first-byte
/// one) reschedules it.
extension OriginConnection {
    /// Starts `timeout` over from now.
    func arm(_ timeout: ExchangeTimeout) {
        guard let context else { return }
        let at = NIODeadline.now() + (timeout == .firstByte ? firstByteTimeout : idleTimeout)
        deadline = (timeout, at)
        if deadlineCheck != nil, deadlineCheckAt <= at { return }
        deadlineCheck?.cancel()
        scheduleCheck(on: context.eventLoop, at: at)
    }

    /// No timeout runs (the exchange is over, or the client holds reads back); a pending check finds
    /// nothing to do.
    func disarm() {
        deadline = nil
    }

    /// The connection is closing: nothing is left scheduled.
    func stopDeadline() {
        deadline = nil
        deadlineCheck?.cancel()
        deadlineCheck = nil
        deadlineCheckAt = .distantFuture
    }

    private func scheduleCheck(on eventLoop: any EventLoop, at time: NIODeadline) {
        deadlineCheckAt = time
        deadlineCheck = eventLoop.assumeIsolated().scheduleTask(deadline: time) { [weak self] in
            self?.checkDeadline()
        }
    }

    private func checkDeadline() {
        deadlineCheck = nil
        deadlineCheckAt = .distantFuture
        guard let deadline, let context else { return }
        guard NIODeadline.now() >= deadline.at else {
            scheduleCheck(on: context.eventLoop, at: deadline.at)
            return
        }
        self.deadline = nil
        switch deadline.timeout {
        case .firstByte: fail(.firstByteTimeout(server))
        case .idle: fail(.idleTimeout(server))
        }
    }
}
