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
    /// Makes every download take seconds (true) or answer at once again (false).
    let slowDownloads: (Bool) async throws -> Void
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
        // The idiomatic check: one enum case per kind, with its message and hint.
        do {
            _ = try await account.service().unlock(passwordText: wrong, epochId: nil)
            XCTFail("a wrong password unlocked")
        } catch CairnError.WrongPassword(let message, let hint) {
            XCTAssertFalse(message.isEmpty)
            XCTAssertFalse(hint.isEmpty)
        } catch {
            XCTFail("expected CairnError.WrongPassword, got \(error)")
        }
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

    /// An export file moves the (still encrypted) backups to another account; garbage is a typed
    /// error.
    static func exportAndImport(_ cloud: TestCloud) async throws {
        let source = try await cloud.newAccount().service()
        let unlocked = try await source.createFirstPassword(passwordText: password)
        _ = try await unlocked.backupMnemonic(
            phrase: secondPhrase, passphrase: nil, includePassphrase: false, label: "Moved", chainHints: [])
        let file = try await source.export(epochId: nil)
        XCTAssertGreaterThanOrEqual(file.objects, 2)

        let target = try await cloud.newAccount().service()
        let imported = try await target.`import`(file: file.bytes)
        XCTAssertEqual(imported.uploaded, file.objects)
        let report = try await target.unlock(passwordText: password, epochId: nil).restoreAll()
        XCTAssertEqual(try report.wallets.first?.revealPhrase(), secondPhrase)
        report.wallets.forEach { $0.wipe() }

        let garbage = await expectCairnError { try await target.`import`(file: Data([1, 2, 3])) }
        XCTAssertEqual(garbage?.kind, .corrupted)
    }

    /// Every restored handle is wiped by `wipe()`: each reveal then fails with `invalidInput`,
    /// whose texts hold no secret.
    static func secretHandlesWiped(_ cloud: TestCloud) async throws {
        let unlocked = try await cloud.newAccount().service().createFirstPassword(passwordText: password)
        _ = try await unlocked.backupMnemonic(
            phrase: firstPhrase, passphrase: "TREZOR", includePassphrase: true, label: "Phrase", chainHints: [])
        _ = try await unlocked.backupPrivateKey(key: privateKeyHex, keyKind: nil, label: "Key", chainHints: [])
        let report = try await unlocked.restoreAll()
        XCTAssertEqual(report.wallets.count, 2)
        for wallet in report.wallets {
            XCTAssertFalse(wallet.isWiped())
            XCTAssertNotNil(try wallet.revealPhrase() ?? wallet.revealPrivateKey())
            wallet.wipe()
            XCTAssertTrue(wallet.isWiped())
            for reveal in [wallet.revealPhrase, wallet.revealPrivateKey, wallet.revealStoredPassphrase] {
                let failure = await expectCairnError { try reveal() }
                XCTAssertEqual(failure?.kind, .invalidInput)
                for text in [failure?.message ?? "", failure?.hint ?? ""] {
                    XCTAssertFalse(text.contains("legal"))
                    XCTAssertFalse(text.contains("TREZOR"))
                    XCTAssertFalse(text.contains(privateKeyHex))
                }
            }
            // Wiping twice is harmless.
            wallet.wipe()
        }
    }

    /// Cancelling the Swift `Task` of a running restore stops the Rust work: it ends quickly with
    /// `CancellationError`, and the same handle restores afterwards.
    static func cancelledRestore(_ cloud: TestCloud) async throws {
        let account = try await cloud.newAccount()
        let unlocked = try await account.service().createFirstPassword(passwordText: password)
        _ = try await unlocked.backupMnemonic(
            phrase: firstPhrase, passphrase: nil, includePassphrase: false, label: "Main", chainHints: [])

        // Every download now takes 5 s, so the restore is surely in flight when cancelled.
        try await account.slowDownloads(true)
        let started = Date()
        let restore = Task { try await withCairnCancellation { try await unlocked.restoreAll(cancel: $0) } }
        try await Task.sleep(nanoseconds: 300_000_000)
        restore.cancel()
        do {
            let report = try await restore.value
            report.wallets.forEach { $0.wipe() }
            XCTFail("the restore finished although it was cancelled")
        } catch is CancellationError {
        } catch {
            XCTFail("expected CancellationError, got \(error)")
        }
        let elapsed = Date().timeIntervalSince(started)
        try await account.slowDownloads(false)
        XCTAssertLessThan(elapsed, 4, "cancellation took \(elapsed) s")

        // The cancelled call released the handle: the next restore works.
        let report = try await unlocked.restoreAll()
        XCTAssertEqual(try report.wallets.first?.revealPhrase(), firstPhrase)
        report.wallets.forEach { $0.wipe() }

        // A token cancelled before the call stops it at once, as a typed error without the helper.
        let token = CancellationToken()
        token.cancel()
        XCTAssertTrue(token.isCancelled())
        let failure = await expectCairnError { try await unlocked.restoreAll(cancel: token) }
        XCTAssertEqual(failure?.kind, .cancelled)
    }
}
