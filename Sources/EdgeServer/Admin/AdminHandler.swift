import EdgeCore
import Logging
import NIOCore
import NIOHTTP1

/// One admin connection: reads a request (body bounded by `maxBodyBytes`, 413 past it), checks the
/// Bearer token, and answers what `AdminAPI` returns. Requests are answered one at a time.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The admin API of the configuration generation now in force, asked as each request arrives.
    private let currentAPI: @Sendable () -> AdminAPI
    private var api: AdminAPI
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var refused = false

    init(api: @escaping @Sendable () -> AdminAPI) {
        currentAPI = api
        self.api = api()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            api = currentAPI()
            self.head = head
            body = []
            refused = false
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > api.settings.maxBodyBytes {
                refuseOversize(context: context, head: head)
            } else if head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                // curl asks before sending a body over 1 KiB; without this it waits a second.
                context.writeAndFlush(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        case .body(let buffer):
            guard let head, !refused else { return }
            if body.count + buffer.readableBytes > api.settings.maxBodyBytes {
                refuseOversize(context: context, head: head)
                return
            }
            body += buffer.readableBytesView
        case .end:
            guard let head, !refused else { return }
            self.head = nil
            let remote = context.channel.remoteAddress?.ipAddress ?? "-"
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            api.respond(to: head, body: body, remote: remote, on: context.eventLoop).whenSuccess { response in
                // A client that left during a long purge gets nothing.
                guard loopBound.value.channel.isActive else { return }
                Self.write(response, keepAlive: head.isKeepAlive, context: loopBound.value)
            }
        }
    }

    private func refuseOversize(context: ChannelHandlerContext, head: HTTPRequestHead) {
        refused = true
        body = []
        api.logger.warning("admin request refused: body too large", metadata: [
            "client": "\(context.channel.remoteAddress?.ipAddress ?? "-")", "path": "\(head.uri)",
        ])
        let response = AdminResponse.error(.payloadTooLarge, "request body larger than \(api.settings.maxBodyBytes) bytes")
        Self.write(response, keepAlive: false, context: context)
    }

    static func write(_ response: AdminResponse, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: response.contentType)
        headers.add(name: "content-length", value: String(response.body.utf8.count))
        headers.add(name: "cache-control", value: "no-store")
        if response.status == .unauthorized {
            headers.add(name: "www-authenticate", value: "Bearer realm=\"edge-admin\"")
        }
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(string: response.body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// What the admin API answers: a status and a small text or JSON body.
struct AdminResponse: Sendable {
    var status: HTTPResponseStatus
    var contentType: String
    var body: String

    static func json(_ value: JSONText, status: HTTPResponseStatus = .ok) -> AdminResponse {
        AdminResponse(status: status, contentType: "application/json", body: value.rendered + "\n")
    }

    static func text(_ text: String, status: HTTPResponseStatus = .ok, contentType: String = "text/plain; charset=utf-8") -> AdminResponse {
        AdminResponse(status: status, contentType: contentType, body: text)
    }

    static func error(_ status: HTTPResponseStatus, _ message: String, field: String? = nil) -> AdminResponse {
        var fields: [(String, JSONText)] = [("error", .string(message))]
        if let field { fields.append(("field", .string(field))) }
        return json(.object(fields), status: status)
    }
}
