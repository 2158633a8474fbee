import Foundation
import GatewayControl

/// One connection to gatewayd's control socket: reads the greeting, sends a request line,
/// reads its reply line. Every wait is bounded by the timeout.
struct ControlClient {
    struct Unreachable: Error, CustomStringConvertible {
        let description: String
    }

    let path: String
    let timeout: Duration

    func send(_ request: ControlRequest) throws -> ControlReply {
        let socket: ControlSocket
        do { socket = try ControlSocket(.unix(path), timeout: timeout) } catch {
            throw Unreachable(description: "cannot reach gatewayd at \(path): \(error) (is it running? see --socket)")
        }
        do {
            guard let line = try socket.readLine() else { throw Unreachable(description: "\(path) closed without a greeting") }
            // A server that refuses the connection (too many clients) answers with an error
            // reply instead of the greeting: that is its answer, with its reason.
            if let refusal = try? ControlCodec.decode(ControlReply.self, from: Array(line.utf8)), !refusal.ok {
                return refusal
            }
            let greeting = try ControlCodec.decode(ControlGreeting.self, from: Array(line.utf8))
            guard greeting.protocol == ControlProtocol.version else {
                throw Unreachable(description: "gatewayd \(greeting.gatewayd) speaks control protocol \(greeting.protocol), gwctl speaks \(ControlProtocol.version)")
            }
            try socket.send(line: String(decoding: ControlCodec.encode(request).dropLast(), as: UTF8.self))
            guard let reply = try socket.readLine(limit: 64 * 1024 * 1024) else {
                throw Unreachable(description: "gatewayd closed the connection without a reply")
            }
            return try ControlCodec.decode(ControlReply.self, from: Array(reply.utf8))
        } catch let error as Unreachable {
            throw error
        } catch {
            throw Unreachable(description: "talking to gatewayd at \(path): \(error)")
        }
    }
}

enum ProcessInfoEnvironment {
    static func value(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
