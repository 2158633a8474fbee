/// WireGuard listen ports from [STARTPORT, ENDPORT): the lowest free one for a new peer,
/// a specific one for a peer restored from the store. Never asks the kernel: every port
/// in the range is ours, and our own table is the truth.
public struct PortAllocator: Sendable, Equatable {
    public let range: Range<UInt16>
    private var taken: LowestFreeSet

    public init(range: Range<UInt16>) {
        self.range = range
        taken = LowestFreeSet(capacity: range.count)
    }

    public var allocatedCount: Int { taken.count }

    /// The lowest free port, now taken; nil when the range is exhausted.
    public mutating func allocate() -> UInt16? {
        taken.takeLowest().map { range.lowerBound + UInt16($0) }
    }

    /// Takes exactly `port`; false if it is outside the range or already taken.
    public mutating func reserve(_ port: UInt16) -> Bool {
        range.contains(port) && taken.insert(Int(port - range.lowerBound))
    }

    public mutating func release(_ port: UInt16) {
        guard range.contains(port) else { return }
        taken.remove(Int(port - range.lowerBound))
    }

    public func isTaken(_ port: UInt16) -> Bool {
        range.contains(port) && taken.contains(Int(port - range.lowerBound))
    }
}
