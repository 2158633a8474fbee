/// Where a broker request came from, as wide as one site usually is: an IPv6 /64 (a
/// node picks any address in its prefix), an IPv4 /32. Per-source limits count by this.
public struct RequestSource: Hashable, Sendable, CustomStringConvertible {
    public let description: String

    /// `2001:db8:1:2::5` → `2001:db8:1:2::/64`; `::ffff:192.0.2.7` and `192.0.2.7` →
    /// `192.0.2.7/32`. nil for text that is neither.
    public init?(address text: String) {
        if let address = IPv6Address(text) {
            if address.high == 0, address.low >> 32 == 0xffff {
                let v4 = UInt32(truncatingIfNeeded: address.low)
                description = "\(v4 >> 24).\(v4 >> 16 & 0xff).\(v4 >> 8 & 0xff).\(v4 & 0xff)/32"
            } else {
                description = "\(IPv6Address(high: address.high, low: 0))/64"
            }
            return
        }
        let octets = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        description = "\(text)/32"
    }
}

/// Why the broker refused a request; counted per reason in metrics and `gwctl status`.
public enum BrokerRefusal: String, Sendable, CaseIterable {
    case ownKey = "own-key"
    case lowOrderKey = "low-order-key"
    case keyLists = "key-lists"
    case uplinkDown = "uplink-down"
    case full
    case sourceQuota = "source-quota"
    case noPort = "no-port"
    case noInterface = "no-interface"
    case provisioningFailed = "provisioning-failed"
}
