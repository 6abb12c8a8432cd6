import EdgeCore
import NIOCore
import NIOHTTP1

/// Progressive delivery on the request path: the tier is chosen when the request arrives, Early
/// Hints go out at once (before the cache or the origin has answered), and an HTML response gets
/// its enhancement tags on the way out. The stored page is always the base page, so every tier
/// comes from one cache entry and a purge covers them all.
extension ProxyHandler {
    /// Called once the request is routed.
    func startPageDelivery(_ request: ClientRequest) {
        guard let site = request.route?.site, site < services.progressive.count, let settings = services.progressive[site],
              request.head.method == .GET || request.head.method == .HEAD else { return }
        let path = request.head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.head.uri
        // Early Hints go out before the response says what it is: only for paths that name pages.
        guard PageDelivery.looksLikePage(path) else { return }
        let enhancements = settings.enhancements(path) ?? Enhancements(assets: [])
        guard !enhancements.isEmpty || settings.liveReload else { return }
        let tier = PageDelivery.tier(for: request.head, enhancementsEnabled: services.flags.isEnabled(.enhancements))
        let page = PageDelivery(tier: tier, enhancements: enhancements, liveReload: settings.liveReload)
        request.page = page
        let hints = page.earlyHints
        // HTTP/1.0 has no interim responses (RFC 9110 §15.2).
        guard !hints.isEmpty, request.clientVersion != .http1_0, let context else { return }
        var headers = HTTPHeaders()
        for link in hints {
            headers.add(name: "link", value: link)
        }
        let head = HTTPResponseHead(version: request.head.version, status: .custom(code: 103, reasonPhrase: "Early Hints"), headers: headers)
        request.hintsSent = hints
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
    }

    /// The final response's header fields for a progressive page; sets up the body rewrite.
    func pageHeaders(_ request: ClientRequest, status: HTTPResponseStatus, headers: HTTPHeaders) -> HTTPHeaders {
        guard let page = request.page, PageDelivery.isPage(status: status, headers: headers) else { return headers }
        var headers = headers
        // Downstream caches must keep the tiers apart.
        headers.add(name: "vary", value: "Save-Data")
        let insertion = page.insertion(for: status)
        guard !insertion.isEmpty else { return headers }
        let coding = ContentCoding.of(headers[canonicalForm: "content-encoding"].map(String.init)) ?? .identity
        do {
            page.rewriter = try PageRewriter(insertion: insertion, coding: coding, level: services.compression.settings.streamingLevels.level(for: coding))
        } catch {
            // A coding this edge cannot recode: the page goes out as the base page.
            return headers
        }
        headers.remove(name: "content-length")
        headers.remove(name: "accept-ranges")
        if let etag = headers.first(name: "etag") {
            let enhanced = page.tier == .full && status == .ok && !page.enhancements.isEmpty
            headers.replaceOrAdd(name: "etag", value: PageDelivery.etag(etag, suffix: enhanced ? "+enhanced" : "+preview"))
        }
        return headers
    }

    /// Writes a body piece through the page's rewriter; false when there is none.
    func writePageBody(_ request: ClientRequest, _ buffer: ByteBuffer, flush: Bool) -> Bool {
        guard let rewriter = request.page?.rewriter, let context else { return false }
        do {
            let pieces = try rewriter.process(buffer, allocator: context.channel.allocator)
            writeRawPieces(request, pieces, flush: flush)
        } catch {
            abandonPage(request)
        }
        return true
    }

    /// Writes what the rewriter still holds, before the response ends.
    func finishPageBody(_ request: ClientRequest) {
        guard let page = request.page, let rewriter = page.rewriter, let context else { return }
        page.rewriter = nil
        do {
            writeRawPieces(request, try rewriter.finish(allocator: context.channel.allocator), flush: false)
        } catch {
            abandonPage(request)
        }
    }

    private func writeRawPieces(_ request: ClientRequest, _ pieces: [ByteBuffer], flush: Bool) {
        guard let context else { return }
        for piece in pieces where piece.readableBytes > 0 {
            request.bytesSent += piece.readableBytes
            context.write(wrapOutboundOut(.body(.byteBuffer(piece))), promise: nil)
        }
        if flush { context.flush() }
    }

    /// Part of the page is out and the rest cannot be recoded: only closing says so honestly.
    private func abandonPage(_ request: ClientRequest) {
        request.page?.rewriter = nil
        request.fill?.abort()
        context?.close(promise: nil)
    }
}
