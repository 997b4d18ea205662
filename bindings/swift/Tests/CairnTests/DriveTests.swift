// The flows over Google Drive, served by the Cairn emulator (a real HTTP server), with the
// access tokens supplied by a Swift `TokenProvider`.

import Cairn
import XCTest

struct EmulatorDrive: TestCloud {
    let emulator: Emulator

    func newAccount() async throws -> TestAccount {
        let (id, token) = try await emulator.newAccount()
        let emulator = self.emulator
        return TestAccount(
            service: {
                try BackupService.googleDrive(
                    apiBase: emulator.base,
                    tokens: EmulatorTokenProvider(emulator: emulator, account: id, initialToken: token))
            },
            limitStorage: { bytes in try await emulator.setQuota(account: id, limit: bytes) },
            slowDownloads: { slow in
                if slow {
                    try await emulator.delayDownloads(account: id, delayMs: 5000)
                } else {
                    try await emulator.clearFaults()
                }
            })
    }
}

final class DriveTests: XCTestCase {
    private func cloud() throws -> EmulatorDrive { EmulatorDrive(emulator: try Emulator.fromEnvironment()) }

    func testFirstPasswordBackupAndReadBack() async throws {
        try await Flows.firstPasswordBackupAndReadBack(cloud())
    }

    func testSecondWalletVerifyBeforeAdd() async throws {
        try await Flows.secondWalletVerifyBeforeAdd(cloud())
    }

    func testRestoreOnNewInstance() async throws {
        try await Flows.restoreOnNewInstance(cloud())
    }

    func testWrongPassword() async throws {
        try await Flows.wrongPassword(cloud())
    }

    func testDifferentAccount() async throws {
        try await Flows.differentAccount(cloud())
    }

    func testQuotaExceeded() async throws {
        try await Flows.quotaExceeded(cloud())
    }

    func testExportAndImport() async throws {
        try await Flows.exportAndImport(cloud())
    }

    func testSecretHandlesWiped() async throws {
        try await Flows.secretHandlesWiped(cloud())
    }

    func testCancelledRestore() async throws {
        try await Flows.cancelledRestore(cloud())
    }

    /// Rust asks the Swift provider for a new token after a 401, once, and carries on.
    func testTokenProviderRefreshesAfterRejectedToken() async throws {
        let emulator = try Emulator.fromEnvironment()
        let (id, _) = try await emulator.newAccount()
        let tokens = EmulatorTokenProvider(emulator: emulator, account: id, initialToken: "expired-token")
        let service = try BackupService.googleDrive(apiBase: emulator.base, tokens: tokens)

        let inventory = try await service.inventory()
        XCTAssertTrue(inventory.epochs.isEmpty)
        XCTAssertEqual(tokens.refreshes, 1)
        _ = try await service.createFirstPassword(passwordText: password)
        XCTAssertEqual(tokens.refreshes, 1)
    }

    /// A provider error thrown in Swift arrives as a typed Cairn error.
    func testSignedOutProviderIsNotSignedIn() async throws {
        let emulator = try Emulator.fromEnvironment()
        let service = try BackupService.googleDrive(apiBase: emulator.base, tokens: SignedOutTokenProvider())
        let failure = await expectCairnError { try await service.inventory() }
        XCTAssertEqual(failure?.kind, .notSignedIn)
    }

    /// A provider that reports HMS Core outdated gives `providerUnavailable` (Huawei Drive).
    func testOutdatedHmsCoreIsProviderUnavailable() async throws {
        let emulator = try Emulator.fromEnvironment()
        let service = try BackupService.huaweiDrive(apiBase: emulator.base, tokens: OutdatedHmsTokenProvider())
        let failure = await expectCairnError { try await service.inventory() }
        XCTAssertEqual(failure?.kind, .providerUnavailable)
    }

    func testMalformedApiBaseIsInvalidInput() async throws {
        let failure = await expectCairnError {
            try BackupService.googleDrive(apiBase: "not a url", tokens: SignedOutTokenProvider())
        }
        XCTAssertEqual(failure?.kind, .invalidInput)
    }
}
