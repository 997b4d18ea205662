// Test support: the emulator's control API (accounts, tokens, quota) and a Swift TokenProvider.

import Cairn
import Foundation
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The emulator started by `cargo xtask swift-test` (`cairn emulator serve --port 0`).
struct Emulator {
    let base: String

    static func fromEnvironment() throws -> Emulator {
        // The Rust library sends HTTP through the host's client (ADR 0007), as an app does at start.
        CairnHTTP.installDefault()
        guard let url = ProcessInfo.processInfo.environment["CAIRN_EMULATOR_URL"], !url.isEmpty else {
            throw XCTSkip("CAIRN_EMULATOR_URL is not set: run through `cargo xtask swift-test`")
        }
        return Emulator(base: url)
    }

    /// A new signed-in Google account: its id and a valid access token.
    func newAccount() async throws -> (id: String, accessToken: String) {
        let reply = try await control("POST", "/__control/accounts", [:])
        guard let google = reply["google"] as? [String: Any], let token = google["access_token"] as? String,
            let account = reply["account"] as? [String: Any], let id = account["id"] as? String
        else { throw TestFailure("unexpected account reply") }
        return (id, token)
    }

    /// A fresh access token for `account`, as a sign-in SDK would hand out after a refresh.
    func freshToken(account: String) async throws -> String {
        let reply = try await control("POST", "/__control/accounts/\(account)/tokens", [:])
        guard let token = reply["access_token"] as? String else { throw TestFailure("no access_token") }
        return token
    }

    /// Makes every Drive download of `account` wait `delayMs` before answering.
    func delayDownloads(account: String, delayMs: Int) async throws {
        _ = try await control("POST", "/__control/faults", [
            "method": "GET", "path_prefix": "/drive/v3/files/", "account": account, "delay_ms": delayMs,
            "count": "always",
        ])
    }

    /// Removes every fault rule.
    func clearFaults() async throws {
        _ = try await control("DELETE", "/__control/faults", [:])
    }

    /// Caps the account's Drive storage at `limit` bytes.
    func setQuota(account: String, limit: Int) async throws {
        _ = try await control("POST", "/__control/quota", ["account": account, "limit": limit])
    }

    private func control(_ method: String, _ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        guard let url = URL(string: base + path) else { throw TestFailure("bad URL \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw TestFailure("\(method) \(path) answered \(String(decoding: data, as: UTF8.self))")
        }
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestFailure("\(path) did not answer a JSON object")
        }
        return json
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A host `TokenProvider` in Swift: hands out its current token and, when Rust reports it
/// rejected (HTTP 401), fetches a new one like a sign-in SDK would.
final class EmulatorTokenProvider: TokenProvider, @unchecked Sendable {
    private let emulator: Emulator
    private let account: String
    // Guarded by `lock`.
    private let lock = NSLock()
    private var current: String
    private var refreshCount = 0

    init(emulator: Emulator, account: String, initialToken: String) {
        self.emulator = emulator
        self.account = account
        self.current = initialToken
    }

    var refreshes: Int { lock.withLock { refreshCount } }

    func accessToken() async throws -> String {
        lock.withLock { current }
    }

    func refreshAccessToken(rejected: String) async throws -> String {
        let fresh = try await emulator.freshToken(account: account)
        return lock.withLock {
            refreshCount += 1
            current = fresh
            return fresh
        }
    }
}

/// A `TokenProvider` whose user signed out.
final class SignedOutTokenProvider: TokenProvider, @unchecked Sendable {
    func accessToken() async throws -> String { throw TokenError.NotSignedIn }
    func refreshAccessToken(rejected: String) async throws -> String { throw TokenError.NotSignedIn }
}

/// A `TokenProvider` on a device whose HMS Core is too old.
final class OutdatedHmsTokenProvider: TokenProvider, @unchecked Sendable {
    func accessToken() async throws -> String {
        throw TokenError.ProviderUnavailable(reason: .hmsCoreOutdated)
    }
    func refreshAccessToken(rejected: String) async throws -> String { try await accessToken() }
}

/// Runs `body` and returns the `CairnError` it throws (a test failure if it succeeds).
func expectCairnError<T>(
    _ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line
) async -> (kind: ErrorKind, message: String, hint: String)? {
    do {
        _ = try await body()
        XCTFail("expected a CairnError", file: file, line: line)
        return nil
    } catch let error as CairnError {
        return (error.kind, error.message, error.hint)
    } catch {
        XCTFail("expected a CairnError, got \(type(of: error))", file: file, line: line)
        return nil
    }
}
