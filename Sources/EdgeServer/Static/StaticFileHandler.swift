import EdgeCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Answers one static-folder request at a time: resolves the path safely, picks the file (an
/// `index.html` for a folder, a precompressed sibling the client accepts, the original of a
/// fingerprinted asset), answers conditionals, and sends the file with `sendfile`.
final class StaticFileHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let reloadPath = "/__edge/reload"

    private let site: StaticSite
    private let fileIO: NonBlockingFileIO
    private let liveReload: LiveReloadHub?
    private var head: HTTPRequestHead?

    init(site: StaticSite, fileIO: NonBlockingFileIO, liveReload: LiveReloadHub?) {
        self.site = site
        self.fileIO = fileIO
        self.liveReload = liveReload
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard head.method == .GET || head.method == .HEAD else {
            var headers = HTTPHeaders([("allow", "GET, HEAD")])
            headers.add(name: "cache-control", value: "no-store")
            sendText(.methodNotAllowed, "a static folder answers GET and HEAD only\n", headers: headers, head: head, context: context)
            return
        }
        if let liveReload, head.uri == Self.reloadPath {
            openEventStream(head: head, context: context, hub: liveReload)
            return
        }
        let snapshot = site.current
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        if let asset = snapshot.original[path] {
            serveFile(site.root + asset, head: head, status: .ok, cacheControl: "public, max-age=31536000, immutable", context: context)
            return
        }
        guard case .file(let segments, let isDirectory) = StaticPath.resolve(head.uri) else {
            notFound(head: head, context: context)
            return
        }
        var file = site.root + (segments.isEmpty ? "" : "/" + segments.joined(separator: "/"))
        var folder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &folder) else {
            notFound(head: head, context: context)
            return
        }
        if folder.boolValue {
            guard isDirectory || segments.isEmpty else {
                // `/catalog` → `/catalog/`, so relative links in its index resolve inside it.
                var headers = HTTPHeaders([("location", path + "/"), ("cache-control", "max-age=3600")])
                headers.add(name: "content-type", value: "text/plain; charset=utf-8")
                sendText(.movedPermanently, "see \(path)/\n", headers: headers, head: head, context: context)
                return
            }
            file += "/index.html"
        }
        serveFile(file, head: head, status: .ok, cacheControl: "no-cache", context: context)
    }

    private func notFound(head: HTTPRequestHead, context: ChannelHandlerContext) {
        let page = site.root + "/404.html"
        if FileManager.default.fileExists(atPath: page) {
            serveFile(page, head: head, status: .notFound, cacheControl: "no-cache", context: context, conditional: false)
        } else {
            sendText(.notFound, "404 Not Found\n", headers: HTTPHeaders([("cache-control", "no-cache")]), head: head, context: context)
        }
    }

    /// Sends `path` (or its precompressed sibling), refusing anything a symlink leads out of the folder.
    private func serveFile(_ path: String, head: HTTPRequestHead, status: HTTPResponseStatus, cacheControl: String, context: ChannelHandlerContext, conditional: Bool = true) {
        guard let real = StaticSite.realPath(path), real.hasPrefix(site.root + "/") else {
            if status == .notFound {
                sendText(.notFound, "404 Not Found\n", headers: HTTPHeaders([("cache-control", "no-cache")]), head: head, context: context)
            } else {
                notFound(head: head, context: context)
            }
            return
        }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: MediaTypes.contentType(forPath: real))
        headers.add(name: "cache-control", value: cacheControl)
        var served = real
        if let sibling = PrecompressedSibling.choose(for: real, accept: AcceptEncoding(head.headers)),
           let resolved = StaticSite.realPath(sibling.path), resolved.hasPrefix(site.root + "/") {
            served = resolved
            headers.add(name: "content-encoding", value: sibling.coding.rawValue)
        }
        if PrecompressedSibling.hasSiblings(real) {
            headers.add(name: "vary", value: "Accept-Encoding")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: served),
              attributes[.type] as? FileAttributeType == .typeRegular,
              let size = (attributes[.size] as? NSNumber)?.intValue,
              let modified = attributes[.modificationDate] as? Date else {
            notFound(head: head, context: context)
            return
        }
        let mtime = modified.timeIntervalSince1970
        headers.add(name: "etag", value: "\"\(String(size, radix: 16))-\(String(Int64(mtime * 1_000_000), radix: 16))\"")
        headers.add(name: "last-modified", value: HTTPDate.format(mtime.rounded(.down)))
        if conditional, status == .ok,
           ConditionalRequest.evaluate(method: head.method == .HEAD ? "HEAD" : "GET", requestHeaders: head.headers, responseStatus: 200,
                                       responseHeaders: headers, parseDate: HTTPDate.parse) == .notModified {
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .notModified, headers: headers))), promise: nil)
            finish(head: head, context: context)
            return
        }
        headers.add(name: "content-length", value: String(size))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        guard head.method != .HEAD, size > 0 else {
            finish(head: head, context: context)
            return
        }
        let channel = context.channel
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        fileIO.openFile(_deprecatedPath: served, eventLoop: context.eventLoop).whenComplete { result in
            let (handler, context) = loopBound.value
            switch result {
            case .success(let (handle, region)):
                context.write(handler.wrapOutboundOut(.body(.fileRegion(region)))).whenComplete { _ in
                    try? handle.close()
                }
                handler.finish(head: head, context: context)
            case .failure:
                // The head is out: closing is the only honest way to say the body is not coming.
                channel.close(promise: nil)
            }
        }
    }

    private func sendText(_ status: HTTPResponseStatus, _ text: String, headers: HTTPHeaders, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = headers
        if !headers.contains(name: "content-type") { headers.add(name: "content-type", value: "text/plain; charset=utf-8") }
        headers.replaceOrAdd(name: "content-length", value: String(text.utf8.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
        }
        finish(head: head, context: context)
    }

    private func openEventStream(head: HTTPRequestHead, context: ChannelHandlerContext, hub: LiveReloadHub) {
        let headers = HTTPHeaders([("content-type", "text/event-stream"), ("cache-control", "no-store")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: ": connected\n\n")))), promise: nil)
        hub.add(context.channel)
    }

    private func finish(head: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = head.isKeepAlive
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
