import GatewayCore
import Testing

@Suite struct BabelGreetingTests {
    /// The lines babeld 1.14's local.c writes after `BABEL 1.0`.
    @Test func readsVersionAndRouterID() {
        var greeting = BabelGreeting()
        for line in ["version babeld-1.14", "host gw1", "my-id 02:11:22:ff:fe:33:44:55", "something new"] { greeting.read(line) }
        #expect(greeting == BabelGreeting(version: "babeld-1.14", routerID: "02:11:22:ff:fe:33:44:55"))
    }

    @Test func aLineWithoutValueChangesNothing() {
        var greeting = BabelGreeting(version: "babeld-1.12.1")
        greeting.read("version")
        #expect(greeting.version == "babeld-1.12.1")
    }
}
