import Foundation
import GatewaySystem
import Testing

@Suite struct WithdrawnRoutesFileTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("withdrawn-\(UUID().uuidString.prefix(8))").path

    init() throws { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }

    @Test func aCorruptRecordIsReportedAndSetAsideNotSkipped() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = WithdrawnRoutesFile(directory: directory)
        #expect(file.read() == .none)
        try Data("[{\"body\":[1,2,".utf8).write(to: URL(fileURLWithPath: file.path))
        guard case .corrupt(_, let aside) = file.read() else { Issue.record("a truncated record was read as fine"); return }
        #expect(aside == file.path + ".corrupt")
        #expect(FileManager.default.fileExists(atPath: file.path + ".corrupt"))
        #expect(file.read() == .none, "set aside: the next start does not trip over it again")
    }

    @Test func routesRoundTrip() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = WithdrawnRoutesFile(directory: directory)
        let routes = [SavedRoute(body: [10, 0, 0, 0])]
        try file.save(routes)
        #expect(file.read() == .routes(routes))
        file.remove()
        #expect(file.read() == .none)
    }
}
