/// Prometheus' text exposition format (version 0.0.4), written by hand: a handful of
/// gauges, counters and one histogram do not need a metrics framework.
public struct PrometheusText: Sendable {
    public enum Kind: String, Sendable {
        case gauge, counter, histogram
    }

    public private(set) var text = ""
    private var declared: Set<String> = []

    public init() {}

    /// One sample; HELP and TYPE are written before the first sample of each metric.
    public mutating func add(_ name: String, _ kind: Kind, help: String, labels: [(String, String)] = [], value: Double) {
        declare(name, kind, help: help)
        sample(name, labels: labels, value: value)
    }

    /// A whole family at once, its samples together (as OpenMetrics requires, and readers
    /// of the text expect). Nothing is written when there are no samples.
    public mutating func add(_ name: String, _ kind: Kind, help: String, samples: [Sample]) {
        guard !samples.isEmpty else { return }
        declare(name, kind, help: help)
        for sample in samples { self.sample(name, labels: sample.labels, value: sample.value) }
    }

    public struct Sample: Sendable {
        public var labels: [(String, String)]
        public var value: Double

        public init(_ labels: [(String, String)], _ value: Double) {
            self.labels = labels
            self.value = value
        }
    }

    public mutating func add(_ name: String, help: String, histogram: Histogram) {
        declare(name, .histogram, help: help)
        var cumulative: UInt64 = 0
        for (bound, count) in zip(histogram.bounds, histogram.counts) {
            cumulative += count
            sample(name + "_bucket", labels: [("le", Self.number(bound))], value: Double(cumulative))
        }
        sample(name + "_bucket", labels: [("le", "+Inf")], value: Double(histogram.total))
        sample(name + "_sum", labels: [], value: histogram.sum)
        sample(name + "_count", labels: [], value: Double(histogram.total))
    }

    private mutating func declare(_ name: String, _ kind: Kind, help: String) {
        guard declared.insert(name).inserted else { return }
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
    }

    private mutating func sample(_ name: String, labels: [(String, String)], value: Double) {
        let labelText = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        text += "\(name)\(labelText) \(Self.number(value))\n"
    }

    static func escape(_ value: String) -> String {
        // Keys, interface names and addresses never need it: skip three scans per label.
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }) else {
            return value
        }
        return value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}

/// Counts of observations per upper bound (not cumulative; rendering accumulates).
public struct Histogram: Sendable, Equatable {
    public let bounds: [Double]
    public private(set) var counts: [UInt64]
    public private(set) var total: UInt64 = 0
    public private(set) var sum: Double = 0

    public init(bounds: [Double]) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count)
    }

    public mutating func observe(_ value: Double) {
        if let index = bounds.firstIndex(where: { value <= $0 }) { counts[index] += 1 }
        total += 1
        sum += value
    }
}
