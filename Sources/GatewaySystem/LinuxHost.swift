import GatewayCore

extension HostSystem {
    /// The host as Linux exposes it to the calling thread's network namespace:
    /// rtnetlink (libmnl), /proc/sys, legacy xtables (libiptc), and the host-state
    /// record in `runDirectory`.
    public static func linux(runDirectory: String) -> HostSystem {
        let rtnetlink = Rtnetlink()
        return HostSystem(
            rules: rtnetlink, routes: rtnetlink, links: rtnetlink, sysctls: ProcSysctl(),
            firewall: IPTablesFirewall(), record: HostStateFile(directory: runDirectory))
    }
}
