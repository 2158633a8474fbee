/// Names of the per-peer interfaces, `babel-wg-N` with the lowest free N ≥ 1, as the
/// seed's `nic_namegen` chose them. N also gives the link-local address `fe80::N/64`.
public struct PeerInterfaceNames: Sendable, Equatable {
    public static let prefix = "babel-wg-"
    /// IFNAMSIZ leaves 15 characters: "babel-wg-" plus at most 6 digits.
    public static let maximumNumber = 999_999

    private var taken = LowestFreeSet(capacity: maximumNumber)

    public init() {}

    /// N of a name of ours, or nil for any other interface.
    public static func number(of name: String) -> Int? {
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.count <= 6, digits.first != "0", digits.allSatisfy({ ("0"..."9").contains($0) }),
              let number = Int(digits), number >= 1 else { return nil }
        return number
    }

    public static func name(_ number: Int) -> String { prefix + String(number) }

    /// The lowest free number, now taken.
    public mutating func allocate() -> Int? { taken.takeLowest().map { $0 + 1 } }

    /// Takes exactly `number` (an interface restored or adopted); false if taken.
    public mutating func reserve(_ number: Int) -> Bool { taken.insert(number - 1) }

    public mutating func release(_ number: Int) { taken.remove(number - 1) }
}
