/// How many mesh interfaces one gateway's babeld is measured to carry (Docs/benchmarks.md,
/// section 7; Docs/operations.md, "Scale: more gateways, not more tunnels").
///
/// babeld 1.14 sleeps about 20 ms per interface before it serves its local socket
/// (babeld.c: `usleep(roughly(10000))` in each of its two start-up loops), so a (re)start
/// handed every interface needs more than READYTIMEOUT's default 30 s from about 1,500 on,
/// and its periodic interface check reads the kernel's whole address table once per
/// interface. At 1,000 interfaces a start already took 20 s or more of the 30.
public enum BabelScale {
    public static let interfaceCeiling = 1000

    /// The warning for a configuration that can hold more interfaces than the ceiling, or nil.
    public static func warning(maxConnections: Int, staticInterfaces: Int) -> String? {
        let total = maxConnections + staticInterfaces
        guard total > interfaceCeiling else { return nil }
        return "\(total) mesh interfaces (MAXCONNECTIONS \(maxConnections) + \(staticInterfaces) in MESHIFS) exceed the "
            + "\(interfaceCeiling) one babeld is measured to carry: its restarts outgrow READYTIMEOUT and its interface "
            + "checks grow with the square of the count; spread the nodes over more gateways (Docs/operations.md, Scale)"
    }
}
