import Foundation

/// An IPv6 address as two big-endian 64-bit halves: cheap to compare, mask and hash.
public struct IPv6Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses the textual form (RFC 4291/5952); nil when it is not an IPv6 address.
    public init?(_ text: String) {
        var raw = in6_addr()
        guard !text.isEmpty, inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
        self.init(bytes: withUnsafeBytes(of: raw) { Array($0) })
    }

    /// From 16 network-order bytes.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 16, "an IPv6 address has 16 bytes")
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
        for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
        self.init(high: high, low: low)
    }

    /// The 16 network-order bytes.
    public var bytes: [UInt8] {
        (0..<16).map { index in
            let word = index < 8 ? high : low
            return UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * (index % 8)))
        }
    }

    /// Canonical text (RFC 5952), as `ip` prints it.
    public var description: String {
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        let text = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: text, as: UTF8.self)
    }

    /// The address with every bit after the first `length` cleared.
    public func masked(to length: Int) -> IPv6Address {
        IPv6Address(high: high & Self.mask(bits: length), low: low & Self.mask(bits: length - 64))
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// A 64-bit mask with the leading `bits` set (clamped to 0...64).
    static func mask(bits: Int) -> UInt64 {
        if bits <= 0 { return 0 }
        if bits >= 64 { return .max }
        return ~(UInt64.max >> UInt64(bits))
    }
}

/// An IPv6 prefix such as `2001:db8::/32`; its address never has host bits set.
public struct IPv6Prefix: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let address: IPv6Address
    public let length: Int

    /// A prefix whose host bits are cleared.
    public init(address: IPv6Address, length: Int) {
        precondition((0...128).contains(length), "an IPv6 prefix length is 0...128")
        self.address = address.masked(to: length)
        self.length = length
    }

    /// Parses `ADDR/LEN`; nil when the text is not a prefix. Host bits are rejected by
    /// `parse(_:)` only: this initialiser is for literals known to be clean.
    public init?(_ text: String) {
        guard case .success(let prefix) = Self.parse(text) else { return nil }
        self = prefix
    }

    /// Parses `ADDR/LEN` strictly, saying what is wrong.
    public static func parse(_ text: String) -> Result<IPv6Prefix, PrefixError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv6Address(String(parts[0])),
              let length = Int(parts[1]), (0...128).contains(length), !parts[1].hasPrefix("+")
        else { return .failure(.notAPrefix) }
        let prefix = IPv6Prefix(address: address, length: length)
        guard prefix.address == address else { return .failure(.hostBitsSet(suggestion: prefix)) }
        return .success(prefix)
    }

    public enum PrefixError: Error, Equatable, Sendable {
        case notAPrefix
        case hostBitsSet(suggestion: IPv6Prefix)
    }

    public var description: String { "\(address)/\(length)" }

    public func contains(_ other: IPv6Address) -> Bool {
        other.masked(to: length) == address
    }

    /// True when `other` lies wholly inside this prefix.
    public func contains(_ other: IPv6Prefix) -> Bool {
        other.length >= length && contains(other.address)
    }

    public func overlaps(_ other: IPv6Prefix) -> Bool {
        contains(other) || other.contains(self)
    }

    public static func < (lhs: IPv6Prefix, rhs: IPv6Prefix) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }
}

/// Both encode as their text, as operators read them in JSON output.
extension IPv6Address: Codable {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPv6Address(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an IPv6 address: \(text)"))
        }
        self = address
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension IPv6Prefix: Codable {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let prefix = IPv6Prefix(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an IPv6 prefix: \(text)"))
        }
        self = prefix
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
