/// One line of babeld's `dump`/`monitor` output (babeld local.c, `local_notify_*`):
///
///     add interface babel-wg-1 up true ipv6 fe80::1 ipv4 192.0.2.1
///     change interface babel-wg-1 up false
///     flush interface babel-wg-1
///     add neighbour 55d0c1 address fe80::2 if babel-wg-1 reach ffff ureach 0000 rxcost 96 txcost 96 rtt 1.250 rttcost 0 cost 96
///     add xroute 2001:db8::/64-::/0 prefix 2001:db8::/64 from ::/0 metric 0
///     add route 55d0c2 prefix ::/0 from 2001:db8::/40 installed yes id … metric 96 refmetric 0 via fe80::2 if babel-wg-1
///
/// After the verb, subject and identifier come `key value` pairs; unknown keys are kept,
/// so a newer babeld's additions do not break the parse.
public struct BabelMonitorLine: Sendable, Equatable {
    public enum Verb: String, Sendable { case add, change, flush }
    public enum Subject: String, Sendable { case interface, neighbour, xroute, route }

    public var verb: Verb
    public var subject: Subject
    /// The interface name, or babeld's identifier of a neighbour, route or xroute.
    public var id: String
    public var fields: [String: String]

    /// nil for anything else (`ok`, the greeting, a future subject).
    public init?(_ line: Substring) {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count >= 3, let verb = Verb(rawValue: String(words[0])),
              let subject = Subject(rawValue: String(words[1])) else { return nil }
        self.verb = verb
        self.subject = subject
        id = String(words[2])
        var fields: [String: String] = [:]
        var index = 3
        while index + 1 < words.count {
            fields[String(words[index])] = String(words[index + 1])
            index += 2
        }
        self.fields = fields
    }

    public init?(_ line: String) { self.init(line[...]) }
}
