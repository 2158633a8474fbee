/// `net.ipv4.ip_local_reserved_ports` (it covers IPv6 too; Documentation/networking/
/// ip-sysctl.rst): ports the kernel never picks as an ephemeral port. wireguard-go binds
/// a random ephemeral UDP port as soon as it starts, and the kernel's ephemeral range
/// (32768–60999) contains STARTPORT–ENDPORT, so without the reservation a starting
/// wireguard-go can sit on the port being handed to another peer (EADDRINUSE).
///
/// The value is a list (`8080,40000-40999`): the host's own reservations are kept and the
/// peer port range added to them; teardown restores the list as it was.
public enum ReservedPorts {
    public static let sysctlKey = "net.ipv4.ip_local_reserved_ports"

    /// The setting that reserves `ports` (the plan's wanted value, before merging).
    public static func setting(for ports: Range<UInt16>) -> SysctlSetting {
        SysctlSetting(sysctlKey, format([ClosedRange(ports)]))
    }

    /// `current` with `wanted` added; `current` itself when it already covers `wanted`.
    public static func merged(_ current: String, adding wanted: String) -> String {
        let have = parse(current), add = parse(wanted)
        guard !add.allSatisfy({ range in have.contains { $0.lowerBound <= range.lowerBound && range.upperBound <= $0.upperBound } })
        else { return current }
        return format(have + add)
    }

    /// `a-b,c` → ranges; anything unreadable is skipped (the kernel writes only this form).
    static func parse(_ text: String) -> [ClosedRange<UInt16>] {
        text.split(separator: ",").compactMap { part in
            let bounds = part.split(separator: "-", maxSplits: 1).map { UInt16($0.trimmingWhitespace()) }
            switch bounds.count {
            case 1: return bounds[0].map { $0...$0 }
            case 2: guard let low = bounds[0], let high = bounds[1], low <= high else { return nil }
                return low...high
            default: return nil
            }
        }
    }

    /// Sorted, overlapping and adjacent ranges joined, as the kernel prints the list.
    static func format(_ ranges: [ClosedRange<UInt16>]) -> String {
        var joined: [ClosedRange<UInt16>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = joined.last, Int(range.lowerBound) <= Int(last.upperBound) + 1 {
                joined[joined.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                joined.append(range)
            }
        }
        return joined.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ",")
    }
}

extension SysctlSetting {
    /// The value to write given what the host has now: a port reservation is added to the
    /// host's own; every other setting is simply its value.
    public func wanted(given current: String) -> String {
        key == ReservedPorts.sysctlKey ? ReservedPorts.merged(current, adding: value) : value
    }
}
