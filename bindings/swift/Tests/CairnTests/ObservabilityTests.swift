// The progress listener and the log sink, implemented in Swift, over the in-memory iCloud bridge.

import Cairn
import Foundation
import XCTest

/// Collects what Rust reports, from any thread.
final class Collector: ProgressListener, LogSink, @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var progressEvents: [ProgressEvent] = []
    private var logRecords: [LogRecord] = []

    var events: [ProgressEvent] { lock.withLock { progressEvents } }
    var records: [LogRecord] { lock.withLock { logRecords } }

    func onProgress(event: ProgressEvent) { lock.withLock { progressEvents.append(event) } }
    func log(record: LogRecord) { lock.withLock { logRecords.append(record) } }
}

/// A listener and a sink that always throw, counting their calls.
final class FailingObserver: ProgressListener, LogSink, @unchecked Sendable {
    struct Broken: Error {}
    // Guarded by `lock`.
    private let lock = NSLock()
    private var progressCount = 0
    private var logCount = 0

    var calls: (progress: Int, log: Int) { lock.withLock { (progressCount, logCount) } }

    func onProgress(event: ProgressEvent) throws {
        lock.withLock { progressCount += 1 }
        throw Broken()
    }

    func log(record: LogRecord) throws {
        lock.withLock { logCount += 1 }
        throw Broken()
    }
}

final class ObservabilityTests: XCTestCase {
    func testThrowingListenerAndSinkDoNotDisturbBackupOrRestore() async throws {
        let observer = FailingObserver()
        setLogSink(sink: observer, maxLevel: .trace)
        defer { setLogSink(sink: nil, maxLevel: .error) }
        let service = BackupService.icloud(bridge: InMemoryCloudKitBridge())
        service.setProgressListener(listener: observer)
        let unlocked = try await service.createFirstPassword(passwordText: password)
        _ = try await unlocked.backupMnemonic(
            phrase: firstPhrase, passphrase: nil, includePassphrase: false, label: "A", chainHints: [])
        let report = try await unlocked.restoreAll()
        XCTAssertEqual(report.wallets.count, 1)
        XCTAssertEqual(try report.wallets.first?.revealPhrase(), firstPhrase)
        report.wallets.forEach { $0.wipe() }
        XCTAssertGreaterThan(observer.calls.progress, 0)
        XCTAssertGreaterThan(observer.calls.log, 0)
    }

    func testProgressListenerCountsRestoreDownloads() async throws {
        let service = BackupService.icloud(bridge: InMemoryCloudKitBridge())
        let collector = Collector()
        service.setProgressListener(listener: collector)
        let unlocked = try await service.createFirstPassword(passwordText: password)
        _ = try await unlocked.backupMnemonic(
            phrase: firstPhrase, passphrase: nil, includePassphrase: false, label: "A", chainHints: [])
        _ = try await unlocked.backupMnemonic(
            phrase: secondPhrase, passphrase: nil, includePassphrase: false, label: "B", chainHints: [])
        _ = try await unlocked.backupPrivateKey(key: privateKeyHex, keyKind: nil, label: "C", chainHints: [])
        let creation = collector.events.filter { $0.operation == .firstPassword }.map(\.stage)
        XCTAssertTrue(creation.contains(.derivingKey))
        XCTAssertEqual(creation.last, .finished)

        let report = try await unlocked.restoreAll()
        report.wallets.forEach { $0.wipe() }
        let restore = collector.events.filter { $0.operation == .restore }
        let downloads = restore.filter { $0.stage == .downloading }.map { [$0.completed, $0.total] }
        XCTAssertEqual(downloads, [[0, 3], [1, 3], [2, 3], [3, 3]])
        XCTAssertEqual(restore.first?.stage, .listing)
        XCTAssertEqual(restore.last?.stage, .finished)
        service.setProgressListener(listener: nil)
    }

    func testLogSinkGetsUsefulRecordsAndNoSecret() async throws {
        let collector = Collector()
        setLogSink(sink: collector, maxLevel: .debug)
        defer { setLogSink(sink: nil, maxLevel: .error) }
        let bridge = InMemoryCloudKitBridge()
        let unlocked = try await BackupService.icloud(bridge: bridge).createFirstPassword(passwordText: password)
        _ = try await unlocked.backupMnemonic(
            phrase: firstPhrase, passphrase: "TREZOR", includePassphrase: true, label: "Main", chainHints: [])
        let wrong = "Glacier-Copper-Anchor-5813"
        let failure = await expectCairnError {
            try await BackupService.icloud(bridge: bridge).unlock(passwordText: wrong, epochId: nil)
        }
        XCTAssertEqual(failure?.kind, .wrongPassword)
        let report = try await unlocked.restoreAll()
        report.wallets.forEach { $0.wipe() }

        let lines = collector.records.map { "\($0.level) \($0.target) \($0.message)" }
        XCTAssertTrue(lines.contains { $0.contains("first_password finished in") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("unlock failed after") && $0.contains("wrong_password") })
        XCTAssertTrue(lines.contains { $0.contains("restore: 1 wallets restored, 0 unreadable") })
        XCTAssertTrue(lines.contains { $0.contains("key derived in") })
        XCTAssertFalse(collector.records.contains { $0.level == .trace }, "a debug sink gets no trace records")
        let words = Set(firstPhrase.split(separator: " ").map(String.init))
        for line in lines {
            for secret in [password, wrong, "TREZOR", "Main", "cairn-"] {
                XCTAssertFalse(line.contains(secret), "'\(secret)' in '\(line)'")
            }
            let lineWords = Set(line.split { !$0.isLetter }.map(String.init))
            XCTAssertTrue(lineWords.isDisjoint(with: words), "a phrase word in '\(line)'")
        }
    }
}
