import CEdgeSystem
import EdgeCore
import NIOCore
import NIOHTTP1

/// The writing half of the connection's I/O, which the phases answer through: every head passes the
/// response filter chain here, every body piece the body stages it set up, and every end the logging
/// phase.
extension ProxyHandler: ResponseSink {
    var isWritable: Bool { context?.channel.isWritable ?? true }
    var eventLoop: EventLoop { loopContext.pool.eventLoop }
    var allocator: ByteBufferAllocator { context?.channel.allocator ?? ByteBufferAllocator() }

    func writeInterim(_ head: HTTPResponseHead, for request: ClientRequest) {
        guard let context, !request.responseStarted else { return }
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
    }

    func writeHead(_ head: OutgoingHead, for request: ClientRequest) -> Bool {
        guard let context else { return false }
        let filterContext = ResponseFilterChain.Context(
            settings: services.settings, compression: services.compression, site: request.site, closeConnection: mustClose(request))
        guard case .head(let filtered) = ResponseFilterChain.apply(head, for: request, context: filterContext) else { return false }
        request.responseStarted = true
        request.status = Int(head.status.code)
        request.cacheStatus = head.cacheStatus
        if filtered.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) {
            closeWhenDone = true
        }
        context.write(wrapOutboundOut(.head(filtered)), promise: nil)
        return true
    }

    func writeBody(_ buffer: ByteBuffer, for request: ClientRequest, flush: Bool) {
        guard let context else { return }
        let pieces: [ByteBuffer]
        do {
            pieces = try request.body.process(buffer, allocator: context.channel.allocator)
        } catch {
            abandon(request)
            return
        }
        for piece in pieces where piece.readableBytes > 0 {
            request.bytesSent += piece.readableBytes
            context.write(wrapOutboundOut(.body(.byteBuffer(piece))), promise: nil)
        }
        if flush { context.flush() }
    }

    func writeFile(_ body: DiskBody, _ range: Range<Int>, for request: ClientRequest) -> Bool {
        guard let context, connection.sendsFiles, request.body.isUntouched, !range.isEmpty,
              edge_range_is_cached(body.file.descriptor, off_t(body.offset + range.lowerBound), range.count) == 1 else { return false }
        // The descriptor stays the record's (`OpenRecord` closes it, and is held until the write is
        // done): the handle NIO needs for it gives it back once the write completes or fails.
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: body.file.descriptor)
        let region = FileRegion(fileHandle: handle, readerIndex: body.offset + range.lowerBound, endIndex: body.offset + range.upperBound)
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenComplete { _ in
            _ = try? handle.takeDescriptorOwnership()
            withExtendedLifetime(body.file) {}
        }
        request.bytesSent += range.count
        context.writeAndFlush(wrapOutboundOut(.body(.fileRegion(region))), promise: written)
        return true
    }

    func writeEnd(for request: ClientRequest) {
        guard let context, !request.responseEnded else { return }
        do {
            for piece in try request.body.finish(allocator: context.channel.allocator) where piece.readableBytes > 0 {
                request.bytesSent += piece.readableBytes
                context.write(wrapOutboundOut(.body(.byteBuffer(piece))), promise: nil)
            }
        } catch {
            abandon(request)
            return
        }
        request.responseEnded = true
        let close = closesAtEnd(request)
        // 8. Logging.
        RequestLogging(stats: services.stats, metrics: services.trafficMetrics).finished(
            cacheStatus: request.cacheStatus, bytesSent: request.bytesSent, log: loopContext.accessLog, entry: request.logEntry(cacheName: services.settings.cacheName))
        // Finish this request before writing its end: NIO's pipelining handler hands over the next
        // pipelined request from inside that write, and it must find this one already done.
        finishIfDone(request)
        let promise: EventLoopPromise<Void>? = close ? context.eventLoop.makePromise() : nil
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
        if let promise {
            let channel = context.channel
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Part of the response is out and the rest cannot be recoded: only closing says so honestly.
    private func abandon(_ request: ClientRequest) {
        request.fill?.abort()
        context?.close(promise: nil)
    }

    func closeConnection() {
        context?.close(promise: nil)
    }

    /// Whether the connection ends with this response.
    func mustClose(_ request: ClientRequest) -> Bool {
        closeWhenDone || drain.isDraining || !request.head.isKeepAlive || (request.hasBody && !request.requestEnded)
    }

    /// `mustClose` at the response's end, but a drain that began after the head went out without
    /// `Connection: close` does not close the connection: the client, told it stays open, may be
    /// sending its next request into the close. That request is answered with the close (and an
    /// idle connection is closed as draining closes idle ones; `closeIfIdle` still asks).
    private func closesAtEnd(_ request: ClientRequest) -> Bool {
        closeWhenDone || !request.head.isKeepAlive || (request.hasBody && !request.requestEnded)
    }}
