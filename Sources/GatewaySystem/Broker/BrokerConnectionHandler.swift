import GatewayCore
import Logging
import NIOCore

/// One broker connection: read one line (bounded in size and time), answer it, close.
/// The deadline bounds only the reading: once the line is complete, provisioning may take
/// as long as the backend needs (its own timeouts bound it), and the answer still goes out.
/// Everything happens on the channel's event loop except the request handler, which runs
/// as a task and hands its reply back to the loop.
final class BrokerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    typealias RequestHandler = @Sendable (BrokerRequest) async -> BrokerReply

    private enum State { case reading, answering, done }

    private let limits: BrokerServerLimits
    private let gate: ConnectionGate
    private let handle: RequestHandler
    private let logger: Logger
    private var state = State.reading
    private var line: [UInt8] = []
    private var deadline: Scheduled<Void>?
    private var admitted = false

    init(limits: BrokerServerLimits, gate: ConnectionGate, logger: Logger, handle: @escaping RequestHandler) {
        self.limits = limits
        self.gate = gate
        self.logger = logger
        self.handle = handle
    }

    func channelActive(context: ChannelHandlerContext) {
        guard gate.enter() else {
            logger.debug("broker: \(gate.limit) connections open, closing a new one")
            state = .done
            context.close(promise: nil)
            return
        }
        admitted = true
        let channel = context.channel
        let timeout = limits.requestTimeout.components
        deadline = context.eventLoop.scheduleTask(
            in: .seconds(timeout.seconds) + .nanoseconds(timeout.attoseconds / 1_000_000_000)
        ) {
            channel.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        if admitted { gate.leave() }
        admitted = false
        state = .done
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard state == .reading else { return }
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        let newline = bytes.firstIndex(of: UInt8(ascii: "\n"))
        line += bytes[..<(newline ?? bytes.endIndex)]
        if line.count > limits.maximumRequestBytes {
            logger.debug("broker: request over \(limits.maximumRequestBytes) bytes, closing")
            state = .done
            context.close(promise: nil)
        } else if newline != nil {
            answer(context: context)
        }
    }

    /// A client that half-closes after its line without a newline still gets its answer.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event, state == .reading {
            if line.isEmpty {
                state = .done
                context.close(promise: nil)
            } else {
                answer(context: context)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        state = .done
        context.close(promise: nil)
    }

    private func answer(context: ChannelHandlerContext) {
        state = .answering
        deadline?.cancel()
        deadline = nil
        let channel = context.channel
        let reply = context.eventLoop.makePromise(of: BrokerReply.self)
        switch BrokerRequest.parse(line) {
        case .success(let parsed):
            let request = BrokerRequest(publicKey: parsed.publicKey,
                                        source: channel.remoteAddress?.ipAddress.flatMap(RequestSource.init(address:)))
            let handle = self.handle
            reply.completeWithTask { await handle(request) }
        case .failure(let problem):
            logger.debug("broker: bad request: \(problem)")
            reply.succeed(.refused)
        }
        reply.futureResult.whenSuccess { reply in
            channel.writeAndFlush(ByteBuffer(bytes: reply.bytes)).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
