import Foundation
import Testing

/// Debian's `promtool` (package prometheus, installed by scripts/setup): the tests hand it
/// what gatewayd writes and ships, and take its verdict.
enum Promtool {
    static let path = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let missing: Comment = "needs promtool (Debian's prometheus package; scripts/setup installs it)"

    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs `promtool ARGUMENTS...` with `input` on its stdin; stdout and stderr together.
    static func run(_ arguments: [String], input: String = "", in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path))
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let stdin = Pipe(), output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}

/// The repository's root, for the files it ships.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}
