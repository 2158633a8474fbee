/// What to do at start with the stored peers and the `babel-wg-*` interfaces found, as a
/// pure decision. An interface is adopted only when it is exactly what its record says
/// (same name, port and single peer key); anything else of ours is rebuilt or removed.
struct RestorePlan: Equatable {
    /// Records whose interface is present and matching: keep as they are.
    var adopt: [PeerRecord] = []
    /// Records to build again (interface missing, or present but different).
    var recreate: [PeerRecord] = []
    /// Interfaces to deregister and delete: strays and mismatches.
    var removeInterfaces: [String] = []
    /// Records to drop: keys the policy no longer permits, or unusable names.
    var forget: [PeerRecord] = []

    init(records: [PeerRecord], observed: [ObservedPeerInterface], policy: KeyPolicy) {
        var unclaimed = Dictionary(observed.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for record in records.sorted(by: { $0.created < $1.created }) {
            let interface = unclaimed.removeValue(forKey: record.interface)
            guard policy.permits(record.key), PeerInterfaceNames.number(of: record.interface) != nil else {
                forget.append(record)
                if interface != nil { removeInterfaces.append(record.interface) }
                continue
            }
            switch interface {
            case .some(let interface) where interface.listenPort == record.port && interface.peers == [record.key]:
                adopt.append(record)
            case .some:
                removeInterfaces.append(record.interface)
                recreate.append(record)
            case .none:
                recreate.append(record)
            }
        }
        // An interface that did not answer may not be ours to judge: left alone.
        removeInterfaces += unclaimed.values.filter(\.answered).map(\.name).sorted()
    }
}
