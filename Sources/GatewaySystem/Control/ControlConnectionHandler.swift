import GatewayControl
import Logging
import NIOCore

/// One control client: greets, then answers request lines one at a time and in order.
/// Lines are bounded, so are the requests queued behind a slow one; a client that goes
/// quiet or does not read its replies is closed. A bad line gets an error reply and the
/// connection stays usable, except after an over-long line (its end cannot be found).
final class ControlConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    typealias RequestHandler = @Sendable (ControlRequest) async -> ControlReply

    private let greeting: ControlGreeting
    private let limits: ControlServerLimits
    private let gate: ConnectionGate
    private let handle: RequestHandler
    private let logger: Logger
    private var partial: [UInt8] = []
    private var queue: [[UInt8]] = []
    private var answering = false
    private var closing = false
    private var admitted = false
    private var idle: Scheduled<Void>?

    init(greeting: ControlGreeting, limits: ControlServerLimits, gate: ConnectionGate, logger: Logger,
         handle: @escaping RequestHandler) {
        self.greeting = greeting
        self.limits = limits
        self.gate = gate
        self.logger = logger
        self.handle = handle
    }

    func channelActive(context: ChannelHandlerContext) {
        guard gate.enter() else {
            logger.warning("control: \(gate.limit) clients connected, refusing one more")
            finish(context: context, with: ControlError(.failed, "too many control clients (\(gate.limit)); try again"))
            return
        }
        admitted = true
        write(ControlCodec.encode(greeting), context: context)
        armIdleTimer(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idle?.cancel()
        if admitted { gate.leave() }
        admitted = false
        closing = true
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        var start = bytes.startIndex
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            partial += bytes[start..<newline]
            start = newline + 1
            guard accept(line: partial, context: context) else { return }
            partial = []
        }
        partial += bytes[start...]
        if partial.count > ControlProtocol.maximumRequestBytes {
            tooLong(context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event, !closing {
            if !partial.isEmpty, accept(line: partial, context: context) { partial = [] }
            closing = true
            if !answering && queue.isEmpty { context.close(promise: nil) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        closing = true
        context.close(promise: nil)
    }

    /// Queues one complete line; false when the client was closed for it.
    private func accept(line: [UInt8], context: ChannelHandlerContext) -> Bool {
        guard line.count <= ControlProtocol.maximumRequestBytes else {
            tooLong(context: context)
            return false
        }
        guard queue.count < limits.maximumQueuedRequests else {
            finish(context: context, with: ControlError(.failed, "more than \(limits.maximumQueuedRequests) requests queued"))
            return false
        }
        queue.append(line)
        answerNext(context: context)
        return true
    }

    private func tooLong(context: ChannelHandlerContext) {
        finish(context: context, with: ControlError(.lineTooLong, "request longer than \(ControlProtocol.maximumRequestBytes) bytes"))
    }

    /// Answers the oldest queued line; the next starts when its reply is written. The idle
    /// timer is off while a request is answered: a sweep removing thousands of peers may
    /// take longer than the idle timeout, and its client is waiting, not idle.
    private func answerNext(context: ChannelHandlerContext) {
        guard !answering, !queue.isEmpty else { return }
        answering = true
        idle?.cancel()
        let line = queue.removeFirst()
        let reply = context.eventLoop.makePromise(of: ControlReply.self)
        switch ControlCodec.request(from: line) {
        case .success(let request):
            let handle = self.handle
            reply.completeWithTask { await handle(request) }
        case .failure(let error):
            reply.succeed(.failure(error))
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        reply.futureResult.whenSuccess { reply in
            let (handler, context) = loopBound.value
            handler.answering = false
            guard context.channel.isActive else { return }
            handler.write(ControlCodec.encode(reply), context: context)
            if handler.queue.isEmpty && handler.closing {
                context.close(promise: nil)
            } else if handler.queue.isEmpty {
                handler.armIdleTimer(context: context)
            } else {
                handler.answerNext(context: context)
            }
        }
    }

    /// Writes one line; a client that does not take it within the write timeout is closed.
    private func write(_ bytes: [UInt8], context: ChannelHandlerContext) {
        let channel = context.channel
        let timeout = context.eventLoop.scheduleTask(in: limits.writeTimeout.timeAmount) { channel.close(promise: nil) }
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes))).whenComplete { _ in timeout.cancel() }
    }

    /// An error reply, then the connection closes.
    private func finish(context: ChannelHandlerContext, with error: ControlError) {
        closing = true
        queue.removeAll()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: ControlCodec.encode(ControlReply.failure(error)))))
            .whenComplete { _ in channel.close(promise: nil) }
    }

    private func armIdleTimer(context: ChannelHandlerContext) {
        idle?.cancel()
        let channel = context.channel
        idle = context.eventLoop.scheduleTask(in: limits.idleTimeout.timeAmount) { channel.close(promise: nil) }
    }
}
