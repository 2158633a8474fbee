import CMnl
import Glibc

/// Why a netlink request failed: the errno and what was being done, e.g.
/// `adding rule to 2001:db8::/64 lookup 10: File exists`.
public struct NetlinkError: Error, Sendable, CustomStringConvertible, Equatable {
    public let operation: String
    public let errno: Int32

    public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
}

/// One netlink socket of a bus (NETLINK_ROUTE, NETLINK_GENERIC). Requests are sent and
/// their answers read synchronously; every error names the operation.
final class NetlinkSocket {
    private let socket: OpaquePointer
    private let portID: UInt32
    private var nextSequence: UInt32
    /// Large enough for the biggest multipart dump datagram the kernel sends (32 KiB).
    private var receiveBuffer = [UInt8](repeating: 0, count: 32 * 1024)

    init(bus: Int32, groups: UInt32 = 0, operation: String = "opening a netlink socket") throws {
        guard let socket = mnl_socket_open(bus) else { throw NetlinkError(operation: operation, errno: Glibc.errno) }
        guard mnl_socket_bind(socket, groups, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let error = Glibc.errno
            mnl_socket_close(socket)
            throw NetlinkError(operation: operation, errno: error)
        }
        self.socket = socket
        portID = mnl_socket_get_portid(socket)
        nextSequence = UInt32(truncatingIfNeeded: time(nil))
    }

    deinit { mnl_socket_close(socket) }

    var fileDescriptor: Int32 { mnl_socket_get_fd(socket) }

    /// Sends a request that asks for an acknowledgement (NLM_F_ACK) and waits for it.
    func perform(_ message: NetlinkMessage, _ operation: String) throws {
        _ = try exchange(message, operation)
    }

    /// Sends a request (a get of one object) and returns the data messages of its answer.
    func request(_ message: NetlinkMessage, _ operation: String) throws -> [ReceivedMessage] {
        try exchange(message, operation).messages
    }

    /// Sends a dump request and returns every message of the answer. A dump the kernel
    /// marks as interrupted (NLM_F_DUMP_INTR: the table changed meanwhile, as it does
    /// while peers come and go) is repeated; after `dumpAttempts` interrupted ones,
    /// `acceptingInterrupted` returns the last one's messages (a changing table may have
    /// been skipped or repeated in parts), or else the dump fails.
    func dump(_ message: NetlinkMessage, _ operation: String, acceptingInterrupted: Bool = false) throws -> [ReceivedMessage] {
        var answer = try exchange(message, operation)
        for _ in 1..<Self.dumpAttempts where answer.interrupted {
            answer = try exchange(message, operation)
        }
        guard !answer.interrupted || acceptingInterrupted else {
            throw NetlinkError(operation: operation + " (dump kept being interrupted)", errno: EINTR)
        }
        return answer.messages
    }

    static let dumpAttempts = 5

    private struct Answer {
        var messages: [ReceivedMessage]
        var interrupted = false
    }

    /// Sends, then reads until the kernel's acknowledgement or NLMSG_DONE, collecting data messages.
    private func exchange(_ request: NetlinkMessage, _ operation: String) throws -> Answer {
        var message = request
        nextSequence &+= 1
        message.sequence = nextSequence
        let bytes = message.bytes
        let sent = bytes.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, $0.count) }
        guard sent >= 0 else { throw NetlinkError(operation: operation, errno: Glibc.errno) }

        let collector = MessageCollector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        while true {
            let received = try receive(operation)
            let status = receiveBuffer.withUnsafeBytes { buffer in
                mnl_cb_run(buffer.baseAddress, received, nextSequence, portID, { header, context in
                    guard let header, let context else { return MNL_CB_ERROR }
                    let length = Int(header.pointee.nlmsg_len)
                    let bytes = Array(UnsafeRawBufferPointer(start: header, count: length))
                    Unmanaged<MessageCollector>.fromOpaque(context).takeUnretainedValue().messages.append(
                        ReceivedMessage(bytes: bytes))
                    return MNL_CB_OK
                }, context)
            }
            if status < 0 && Glibc.errno == EINTR {
                // libmnl stops at the message flagged NLM_F_DUMP_INTR; the rest of the dump
                // is still queued and would be read as the answer to the next request.
                return Answer(messages: collector.messages + (try restOfDump(received: received, operation)), interrupted: true)
            }
            if status < 0 { throw NetlinkError(operation: operation, errno: Glibc.errno) }
            if status == MNL_CB_STOP { return Answer(messages: collector.messages) }
        }
    }

    /// One datagram into `receiveBuffer`; returns its length.
    private func receive(_ operation: String) throws -> Int {
        let received = receiveBuffer.withUnsafeMutableBytes { mnl_socket_recvfrom(socket, $0.baseAddress, $0.count) }
        guard received >= 0 else { throw NetlinkError(operation: operation, errno: Glibc.errno) }
        return received
    }

    /// The data messages from the flagged one on, through the datagram holding the dump's
    /// NLMSG_DONE (or an error message), read without libmnl, which would stop again.
    private func restOfDump(received: Int, _ operation: String) throws -> [ReceivedMessage] {
        var length = received
        var rest: [ReceivedMessage] = []
        var flaggedSeen = false
        while true {
            let messages = receiveBuffer.withUnsafeBytes { ReceivedMessage.split(UnsafeRawBufferPointer(rebasing: $0[..<length])) }
            for message in messages {
                flaggedSeen = flaggedSeen || Int32(message.flags) & NLM_F_DUMP_INTR != 0
                if message.type == UInt16(NLMSG_DONE) || message.type == UInt16(NLMSG_ERROR) { return rest }
                if flaggedSeen && message.type >= UInt16(NLMSG_MIN_TYPE) { rest.append(message) }
            }
            length = try receive(operation)
        }
    }
}

/// Receives the data messages mnl_cb_run hands to its C callback.
private final class MessageCollector {
    var messages: [ReceivedMessage] = []
}
