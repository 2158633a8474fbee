import GatewayCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The Prometheus endpoint: `GET /metrics` answers with `render()`'s text, anything else
/// with 404. Plain HTTP/1.1 on the configured address (METRICS_LISTEN); meant for
/// loopback or a management network.
public final class MetricsServer: Sendable {
    private let channel: any Channel

    public var localAddress: SocketAddress? { channel.localAddress }

    private init(channel: any Channel) { self.channel = channel }

    public static func start(
        at address: HostPort, eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger, render: @escaping @Sendable () async -> String
    ) async throws -> MetricsServer {
        let channel = try await ServerBootstrap(group: eventLoops)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Clients such as `socat` or `nc` half-close after the request and still read the answer.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(render: render))
                }
            }
            .bind(to: try SocketAddress(ipAddress: address.host, port: Int(address.port))).get()
        logger.info("metrics on http://\(address)/metrics")
        return MetricsServer(channel: channel)
    }

    public func stop() async {
        try? await channel.close()
    }
}

/// One request at a time per connection; the body is produced off the event loop.
final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let render: @Sendable () async -> String
    private var head: HTTPRequestHead?

    init(render: @escaping @Sendable () async -> String) { self.render = render }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let body = context.eventLoop.makePromise(of: (HTTPResponseStatus, String).self)
        if request.method == .GET && (request.uri == "/metrics" || request.uri.hasPrefix("/metrics?")) {
            let render = self.render
            body.completeWithTask { (.ok, await render()) }
        } else {
            body.succeed((.notFound, "only GET /metrics is served here\n"))
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        body.futureResult.whenSuccess { status, text in
            let (handler, context) = loopBound.value
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
            headers.add(name: "Content-Length", value: "\(text.utf8.count)")
            if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(handler.wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
                          promise: nil)
            context.write(handler.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            let done = context.writeAndFlush(handler.wrapOutboundOut(.end(nil)))
            let channel = context.channel
            if !request.isKeepAlive { done.whenComplete { _ in channel.close(promise: nil) } }
        }
    }
}
