import NIOCore
import NIOHTTP1
import Synchronization

/// The browsers of `edge preview` waiting on `/__edge/reload` (Server-Sent Events): each gets a
/// `reload` event when a file in the folder changes, and a comment every 15 s so that idle
/// timeouts on the way do not cut the stream.
final class LiveReloadHub: Sendable {
    private let streams = Mutex<[ObjectIdentifier: Channel]>([:])

    func add(_ channel: Channel) {
        streams.withLock { $0[ObjectIdentifier(channel)] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.streams.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
        }
        scheduleHeartbeat(channel)
    }

    func broadcast() {
        for channel in streams.withLock({ Array($0.values) }) {
            send("data: reload\n\n", on: channel)
        }
    }

    func closeAll() {
        for channel in streams.withLock({ Array($0.values) }) {
            channel.close(promise: nil)
        }
    }

    var count: Int { streams.withLock { $0.count } }

    private func send(_ text: String, on channel: Channel) {
        let buffer = channel.allocator.buffer(string: text)
        channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
    }

    private func scheduleHeartbeat(_ channel: Channel) {
        channel.eventLoop.scheduleTask(in: .seconds(15)) { [weak self] in
            guard let self, channel.isActive else { return }
            self.send(": still here\n\n", on: channel)
            self.scheduleHeartbeat(channel)
        }
    }
}
