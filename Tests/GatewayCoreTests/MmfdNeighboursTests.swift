import GatewayCore
import Testing

@Suite struct MmfdNeighboursTests {
    /// As mmfd's socket.c writes it (json-c, no trailing newline).
    @Test func groupsNeighboursByInterface() throws {
        let reply = #"{ "mmfd_neighbours": [ { "address": "fe80::ffff", "interface": "babel-wg-1" }, { "address": "fe80::2", "interface": "mesh0" }, { "address": "fe80::1", "interface": "mesh0" } ] }"#
        #expect(try MmfdNeighbours.parse(reply) == ["babel-wg-1": ["fe80::ffff"], "mesh0": ["fe80::1", "fe80::2"]])
        #expect(try MmfdNeighbours.parse(#"{ "mmfd_neighbours": [ ] }"#) == [:])
    }

    @Test(arguments: ["", "{}", #"{"mesh_interfaces":[]}"#, "not json"])
    func anythingElseIsAnError(_ reply: String) {
        #expect(throws: MmfdNeighbours.Malformed.self) { try MmfdNeighbours.parse(reply) }
    }
}
