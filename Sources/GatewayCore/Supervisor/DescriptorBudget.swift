/// How many file descriptors each child may need. mmfd and l3roamd open a socket per mesh
/// interface and exit when one fails (mmfd's intercom.c `socket_prepare`, l3roamd's
/// intercom.c), babeld keeps per-interface state and its own sockets; the default soft
/// RLIMIT_NOFILE of 1,024 is reached at about the field's size. So children start with
/// room for 4 descriptors per mesh interface at MAXCONNECTIONS, plus slack for what each
/// daemon opens regardless (netlink, tun, control and listening sockets, log files).
public enum DescriptorBudget {
    public static let perInterface = 4
    public static let slack = 256

    /// Every peer MAXCONNECTIONS allows plus the static MESHIFS.
    public static func wanted(maxConnections: Int, staticInterfaces: Int) -> Int {
        perInterface * (maxConnections + staticInterfaces) + slack
    }

    public static func wanted(for config: GatewayConfig) -> Int {
        wanted(maxConnections: config.maxConnections, staticInterfaces: config.meshInterfaces.count)
    }
}
