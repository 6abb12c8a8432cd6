/// A new binary taking over from a running node (`edge serve --upgrade`). The new node is made with
/// `upgrading: true`: its listeners join the old node's addresses (`SharedListeningPort`: the
/// kernel sends new connections to the newest socket), and its disk tier shares the directory.
/// Once it serves, the old node is told (`SIGQUIT`) and calls `handOver()`; once the old node has
/// exited, the new one calls `predecessorExited()`.
extension EdgeServer {
    /// How long the old node keeps its listeners open after a new node took over: new connections
    /// already go to the new node's sockets, and connections the kernel queued (or was completing
    /// the handshake of) for the old ones are accepted meanwhile instead of reset by the close.
    public static let handOverOverlap: Duration = .seconds(1)

    /// The old node's side: starts no more disk writes, keeps accepting for `handOverOverlap`, then
    /// drains as on `SIGTERM` (requests in flight, long downloads included, finish within the drain
    /// timeout) and stops.
    ///
    /// During the overlap every HTTP/1.1 response already says `Connection: close` and ends its
    /// connection, so a client busy on a keep-alive connection moves to the new node after its
    /// response, never by a close racing its next request. Connections still open after the overlap
    /// have been quiet for all of it; they are closed as draining closes them.
    public func handOver(overlap: Duration = EdgeServer.handOverOverlap) async {
        disk?.handOver()
        drain.start()
        try? await Task.sleep(for: overlap)
        await drainAndStop()
    }

    /// The new node's side, once the old node has exited: the disk index takes in what the old node
    /// wrote meanwhile, and the purges it recorded (which this node's memory obeys too).
    public func predecessorExited() {
        let cache = self.cache
        let logger = self.logger
        disk?.endSharing { unseen in
            let purged = cache.purge(unseen, now: ProxyServices.now())
            logger.notice("purges the old node took are applied", metadata: ["purged": "\(purged)"])
        }
    }
}
