import Foundation
import GatewayControl
import Testing

/// Docs/control-protocol.md documents every command and every error code there is.
@Suite struct ControlProtocolDocTests {
    static let document: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("Docs/control-protocol.md"), encoding: .utf8)) ?? ""
    }()

    @Test(arguments: ControlCommand.allCases)
    func everyCommandHasASection(_ command: ControlCommand) {
        #expect(Self.document.contains("### `\(command.rawValue)`"))
    }

    @Test(arguments: ControlError.Code.allCases)
    func everyErrorCodeIsExplained(_ code: ControlError.Code) {
        #expect(Self.document.contains("| `\(code.rawValue)` |"))
    }

    @Test func theGreetingShownIsTheOneSent() throws {
        let greeting = String(decoding: ControlCodec.encode(ControlGreeting(gatewayd: "0.1.0")).dropLast(), as: UTF8.self)
        #expect(Self.document.contains("`\(greeting)`"))
    }
}
