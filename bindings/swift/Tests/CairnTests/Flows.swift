// The user flows every cloud must pass, written once and run over Google Drive (the emulator)
// and over iCloud (the in-memory CloudKit bridge).

import Cairn
import Foundation
import XCTest

let password = "Tundra-Marble-Orbit-7429"
let firstPhrase =
    "legal winner thank year wave sausage worth useful legal winner thank yellow"
let secondPhrase =
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage above"
let privateKeyHex = "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35"

/// One signed-in cloud account. Every `service()` call is a new instance ("a new phone").
struct TestAccount {
    let service: () throws -> BackupService
    /// Makes the cloud refuse writes beyond `bytes` in total.
    let limitStorage: (Int) async throws -> Void
}

/// A cloud to run the flows over.
protocol TestCloud {
    func newAccount() async throws -> TestAccount
}

enum Flows {
    /// First password, one wallet backed up, read back on the same instance; the restored
    /// handle is wiped explicitly.
    static func firstPasswordBackupAndReadBack(_ cloud: TestCloud) async throws {
        let service = try await cloud.newAccount().service()
        let inventoryBefore = try await service.inventory()
        XCTAssertTrue(inventoryBefore.epochs.isEmpty)

        let unlocked = try await service.createFirstPassword(passwordText: password)
        let receipt = try await unlocked.backupMnemonic(
            phrase: firstPhrase, passphrase: nil, includePassphrase: false, label: "Main", chainHints: ["eth"])
        XCTAssertEqual(receipt.epochId, unlocked.epochId())
        XCTAssertGreaterThanOrEqual(receipt.verifiedAt, receipt.backedUpAt)

        let report = try await unlocked.restoreAll()
        XCTAssertTrue(report.failures.isEmpty)
        XCTAssertEqual(report.wallets.count, 1)
        let wallet = try XCTUnwrap(report.wallets.first)
        XCTAssertEqual(wallet.info().label, "Main")
        XCTAssertEqual(wallet.info().recordId, receipt.recordId)
        XCTAssertEqual(wallet.info().chainHints, ["eth"])
        XCTAssertEqual(try wallet.revealPhrase(), firstPhrase)
        XCTAssertNil(try wallet.revealPrivateKey())

        wallet.wipe()
        XCTAssertTrue(wallet.isWiped())
        let afterWipe = await expectCairnError { try wallet.revealPhrase() }
        XCTAssertEqual(afterWipe?.kind, .invalidInput)

        let inventory = try await service.inventory()
        XCTAssertEqual(inventory.activeEpoch, unlocked.epochId())
        XCTAssertEqual(inventory.epochs.first?.walletCount, 1)
    }

    /// A second wallet, added on another instance only after the password was verified.
    static func secondWalletVerifyBeforeAdd(_ cloud: TestCloud) async throws {
        let account = try await cloud.newAccount()
        let first = try await account.service().createFirstPassword(passwordText: password)
        _ = try await first.backupMnemonic(
            phrase: firstPhrase, passphrase: nil, includePassphrase: false, label: "Main", chainHints: [])

        let service = try account.service()
        let wrongCheck = await expectCairnError {
            try await service.checkPassword(passwordText: "not-the-password-123", epochId: nil)
        }
        XCTAssertEqual(wrongCheck?.kind, .wrongPassword)
        let check = try await service.checkPassword(passwordText: password, epochId: nil)
        XCTAssertEqual(check.epochId, first.epochId())
        XCTAssertTrue(check.isActive)

        let unlocked = try await service.unlock(passwordText: password, epochId: check.epochId)
        let receipt = try await unlocked.backupPrivateKey(
            key: privateKeyHex, keyKind: nil, label: "Savings", chainHints: ["btc"])
        XCTAssertEqual(receipt.epochId, first.epochId())

        let report = try await unlocked.restoreAll()
        XCTAssertEqual(report.wallets.count, 2)
        let byLabel = Dictionary(uniqueKeysWithValues: report.wallets.map { ($0.info().label, $0) })
        XCTAssertEqual(try byLabel["Main"]?.revealPhrase(), firstPhrase)
        XCTAssertEqual(try byLabel["Savings"]?.revealPrivateKey(), privateKeyHex)
        report.wallets.forEach { $0.wipe() }
    }

    /// Everything restores on a new instance with only the password.
    static func restoreOnNewInstance(_ cloud: TestCloud) async throws {
        let account = try await cloud.newAccount()
        let old = try await account.service().createFirstPassword(passwordText: password)
        _ = try await old.backupMnemonic(
            phrase: firstPhrase, passphrase: "TREZOR", includePassphrase: true, label: "With passphrase",
            chainHints: [])
        _ = try await old.backupMnemonic(
            phrase: secondPhrase, passphrase: nil, includePassphrase: false, label: "Plain", chainHints: [])

        let newPhone = try account.service()
        let unlocked = try await newPhone.unlock(passwordText: password, epochId: nil)
        XCTAssertEqual(unlocked.epochId(), old.epochId())
        let report = try await unlocked.restoreAll()
        XCTAssertTrue(report.failures.isEmpty)
        let byLabel = Dictionary(uniqueKeysWithValues: report.wallets.map { ($0.info().label, $0) })
        XCTAssertEqual(byLabel.count, 2)
        XCTAssertEqual(try byLabel["With passphrase"]?.revealPhrase(), firstPhrase)
        XCTAssertEqual(try byLabel["With passphrase"]?.revealStoredPassphrase(), "TREZOR")
        XCTAssertEqual(try byLabel["Plain"]?.revealPhrase(), secondPhrase)
        XCTAssertNil(try byLabel["Plain"]?.revealStoredPassphrase())
        report.wallets.forEach { $0.wipe() }
    }

    /// A wrong password is `wrongPassword`, and the password appears in no error text.
    static func wrongPassword(_ cloud: TestCloud) async throws {
        let account = try await cloud.newAccount()
        let unlocked = try await account.service().createFirstPassword(passwordText: password)
        _ = try await unlocked.backupMnemonic(
            phrase: firstPhrase, passphrase: nil, includePassphrase: false, label: "Main", chainHints: [])

        let wrong = "Glacier-Copper-Anchor-5813"
        let failure = await expectCairnError {
            try await account.service().unlock(passwordText: wrong, epochId: nil)
        }
        XCTAssertEqual(failure?.kind, .wrongPassword)
        XCTAssertFalse(failure?.hint.isEmpty ?? true)
        for text in [failure?.message ?? "", failure?.hint ?? ""] {
            XCTAssertFalse(text.contains(wrong))
            XCTAssertFalse(text.contains("legal"))
        }
    }

    /// Another account sees none of this account's backups.
    static func differentAccount(_ cloud: TestCloud) async throws {
        let mine = try await cloud.newAccount()
        let unlocked = try await mine.service().createFirstPassword(passwordText: password)
        _ = try await unlocked.backupMnemonic(
            phrase: firstPhrase, passphrase: nil, includePassphrase: false, label: "Main", chainHints: [])

        let other = try await cloud.newAccount().service()
        let inventory = try await other.inventory()
        XCTAssertTrue(inventory.epochs.isEmpty)
        XCTAssertNil(inventory.activeEpoch)
        let failure = await expectCairnError { try await other.unlock(passwordText: password, epochId: nil) }
        XCTAssertEqual(failure?.kind, .noBackupsFound)
    }

    /// A full cloud is `quotaExceeded`, and what was backed up before still restores.
    static func quotaExceeded(_ cloud: TestCloud) async throws {
        let account = try await cloud.newAccount()
        let unlocked = try await account.service().createFirstPassword(passwordText: password)
        _ = try await unlocked.backupMnemonic(
            phrase: firstPhrase, passphrase: nil, includePassphrase: false, label: "Main", chainHints: [])

        try await account.limitStorage(1)
        let failure = await expectCairnError {
            try await unlocked.backupMnemonic(
                phrase: secondPhrase, passphrase: nil, includePassphrase: false, label: "Second",
                chainHints: [])
        }
        XCTAssertEqual(failure?.kind, .quotaExceeded)

        let report = try await account.service().unlock(passwordText: password, epochId: nil).restoreAll()
        XCTAssertEqual(report.wallets.map { $0.info().label }, ["Main"])
        report.wallets.forEach { $0.wipe() }
    }
}
