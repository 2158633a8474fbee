extension ConfigVariable {
    /// The variables as the Markdown table in Docs/configuration.md; a test keeps the
    /// document equal to this, so code and documentation cannot drift apart.
    public static func markdownTable() -> String {
        var lines = ["| variable | group | required | default | meaning |", "| --- | --- | --- | --- | --- |"]
        for variable in all {
            let fallback = variable.defaultValue.map { $0.isEmpty ? "(empty)" : "`\($0)`" } ?? "—"
            lines.append("| `\(variable.name)` | \(variable.group.rawValue) | \(variable.required ? "yes" : "no") | \(fallback) | \(variable.summary) |")
        }
        return lines.joined(separator: "\n")
    }
}
