import Testing

@testable import GatewaySystem

struct MmfdNeighbourReplyTests {
    @Test func neighbourInterfacesAreReadFromMmfdsReply() throws {
        let reply = #"{ "mmfd_neighbours": [ { "address": "fe80::1", "interface": "babel-wg-3" }, { "address": "fe80::2", "interface": "mesh0" } ] }"#
        #expect(try MmfdSafeRemoval.neighbourInterfaces(in: reply) == ["babel-wg-3", "mesh0"])
        #expect(try MmfdSafeRemoval.neighbourInterfaces(in: #"{ "mmfd_neighbours": [ ] }"#).isEmpty)
        #expect(throws: (any Error).self) { try MmfdSafeRemoval.neighbourInterfaces(in: "") }
    }
}
