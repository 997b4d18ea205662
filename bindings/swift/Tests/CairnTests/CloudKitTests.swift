// The flows over iCloud: Rust's CloudKitStore driving the Swift in-memory CloudKit bridge
// through the generated foreign trait (every call crosses Rust -> Swift -> Rust, async).

import Cairn
import XCTest

struct InMemoryICloud: TestCloud {
    func newAccount() async throws -> TestAccount {
        // One bridge per iCloud account; services over it are separate devices.
        let bridge = InMemoryCloudKitBridge(pageSize: 3)
        return TestAccount(
            service: { BackupService.icloud(bridge: bridge) },
            limitStorage: { bytes in bridge.setQuota(bytes: UInt64(bytes)) },
            slowDownloads: { slow in bridge.setFetchDelay(seconds: slow ? 5 : 0) })
    }
}

final class CloudKitTests: XCTestCase {
    func testFirstPasswordBackupAndReadBack() async throws {
        try await Flows.firstPasswordBackupAndReadBack(InMemoryICloud())
    }

    func testSecondWalletVerifyBeforeAdd() async throws {
        try await Flows.secondWalletVerifyBeforeAdd(InMemoryICloud())
    }

    func testRestoreOnNewInstance() async throws {
        try await Flows.restoreOnNewInstance(InMemoryICloud())
    }

    func testWrongPassword() async throws {
        try await Flows.wrongPassword(InMemoryICloud())
    }

    func testDifferentAccount() async throws {
        try await Flows.differentAccount(InMemoryICloud())
    }

    func testQuotaExceeded() async throws {
        try await Flows.quotaExceeded(InMemoryICloud())
    }

    func testExportAndImport() async throws {
        try await Flows.exportAndImport(InMemoryICloud())
    }

    func testSecretHandlesWiped() async throws {
        try await Flows.secretHandlesWiped(InMemoryICloud())
    }

    func testCancelledRestore() async throws {
        try await Flows.cancelledRestore(InMemoryICloud())
    }

    /// Rust creates the zone when CloudKit says it is missing, and retries a network failure
    /// reported by the bridge as a bare CKError code.
    func testZoneCreatedOnDemandAndNetworkFailureRetried() async throws {
        let bridge = InMemoryCloudKitBridge()
        bridge.failNext(.saveRecord, code: CKErrorCode.networkFailure, retryAfterSeconds: 0)
        let unlocked = try await BackupService.icloud(bridge: bridge).createFirstPassword(passwordText: password)
        _ = try await unlocked.backupMnemonic(
            phrase: firstPhrase, passphrase: nil, includePassphrase: false, label: "Main", chainHints: [])
        XCTAssertEqual(bridge.calls(.createZone), 1)
        XCTAssertFalse(bridge.recordNames.isEmpty)
        let restored = try await unlocked.restoreAll()
        XCTAssertEqual(restored.wallets.count, 1)
    }

    /// Signed out of iCloud: Rust asks for the account status and reports `notSignedIn`.
    func testSignedOutOfICloud() async throws {
        let bridge = InMemoryCloudKitBridge()
        bridge.setAccountStatus(CKAccountStatusCode.noAccount)
        let failure = await expectCairnError { try await BackupService.icloud(bridge: bridge).inventory() }
        XCTAssertEqual(failure?.kind, .notSignedIn)
        XCTAssertEqual(bridge.calls(.listRecords), 0)
    }

    /// iCloud restricted (parental controls, MDM): `providerUnavailable`, not a crash or a retry loop.
    func testRestrictedICloud() async throws {
        let bridge = InMemoryCloudKitBridge()
        bridge.setAccountStatus(CKAccountStatusCode.restricted)
        let failure = await expectCairnError { try await BackupService.icloud(bridge: bridge).inventory() }
        XCTAssertEqual(failure?.kind, .providerUnavailable)
    }
}
