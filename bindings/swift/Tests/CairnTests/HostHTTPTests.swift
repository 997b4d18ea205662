// What Rust does with a misbehaving host HTTP client (ADR 0007): an answer it must not trust
// becomes a typed CairnError after one request (none of these is retried).

import Cairn
import Foundation
import XCTest

/// A host client that answers every request with `answer`, counting requests.
final class ScriptedHTTPClient: HttpClient, @unchecked Sendable {
    private let answer: @Sendable (HttpRequest) -> HttpResponse
    private let lock = NSLock()
    private var count = 0
    private var bearer = true

    init(_ answer: @escaping @Sendable (HttpRequest) -> HttpResponse) { self.answer = answer }

    var requests: Int { lock.withLock { count } }
    var sentBearer: Bool { lock.withLock { bearer } }

    func send(request: HttpRequest) async throws -> HttpResponse {
        let authorized = request.headers().contains { $0.name == "Authorization" && $0.value.hasPrefix("Bearer ") }
        lock.withLock {
            count += 1
            bearer = bearer && authorized
        }
        return answer(request)
    }
}

final class HostHTTPTests: XCTestCase {
    /// A Drive service over `host`; the default client is reinstalled for every other test.
    private func service(over host: HttpClient) throws -> BackupService {
        CairnHTTP.install(host)
        defer { CairnHTTP.installDefault() }
        return try BackupService.googleDrive(apiBase: "https://www.googleapis.com", tokens: FixedTokenProvider())
    }

    func testBodyLongerThanAllowedIsRefusedByRust() async throws {
        let host = ScriptedHTTPClient { request in
            HttpResponse(status: 200, headers: [], body: Data(count: Int(request.maxResponseBytes()) + 1))
        }
        let failure = await expectCairnError { try await self.service(over: host).inventory() }
        XCTAssertEqual(failure?.kind, .network)
        XCTAssertEqual(host.requests, 1)
        XCTAssertTrue(host.sentBearer)
    }

    func testStatusOutsideHTTPIsATypedError() async throws {
        for status: UInt16 in [0, 999] {
            let host = ScriptedHTTPClient { _ in HttpResponse(status: status, headers: [], body: Data("{}".utf8)) }
            let failure = await expectCairnError { try await self.service(over: host).inventory() }
            XCTAssertEqual(failure?.kind, .cloudError, "status \(status)")
            XCTAssertEqual(host.requests, 1)
        }
    }
}

/// Hands out a fixed token and never refreshes.
final class FixedTokenProvider: TokenProvider, @unchecked Sendable {
    func accessToken() async throws -> String { "token" }
    func refreshAccessToken(rejected: String) async throws -> String { throw TokenError.ReSignInRequired }
}
