import Testing

@testable import GatewaySystem

@Suite struct SysctlPathTests {
    @Test(arguments: [
        ("net.ipv6.conf.all.forwarding", "/proc/sys/net/ipv6/conf/all/forwarding"),
        ("net.ipv4.conf.eth0.1.rp_filter", "/proc/sys/net/ipv4/conf/eth0.1/rp_filter"),
        ("net.ipv4.conf.babel-wg-3.rp_filter", "/proc/sys/net/ipv4/conf/babel-wg-3/rp_filter"),
        ("net.core.somaxconn", "/proc/sys/net/core/somaxconn"),
    ])
    func dottedNamesMapToProcPaths(key: String, path: String) {
        #expect(ProcSysctl.path(for: key, root: "/proc/sys") == path)
    }
}
