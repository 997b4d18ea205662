// Google Drive access tokens on iOS from GoogleSignIn-iOS, with only the Drive app-data scope.
// This is what lets an Android user's Google Drive backup restore on an iPhone: the same
// Drive folder, read by the same Rust code.

import Cairn
import GoogleSignIn
import UIKit

/// Google Drive's hidden per-app folder; the only scope Cairn needs.
let driveAppDataScope = "https://www.googleapis.com/auth/drive.appdata"

/// A `TokenProvider` over GoogleSignIn. Signs in (or adds the scope) the first time a token is
/// needed; afterwards the SDK keeps the session in the keychain and refreshes expired tokens.
final class GoogleDriveTokens: TokenProvider, @unchecked Sendable {
    // Only read on the main actor; set once.
    private let presenter: @MainActor () -> UIViewController?

    /// `presenter` returns the view controller Google's sign-in sheet is shown from.
    init(presenter: @escaping @MainActor () -> UIViewController?) {
        self.presenter = presenter
    }

    func accessToken() async throws -> String {
        try await signedInUser().accessToken.tokenString
    }

    func refreshAccessToken(rejected: String) async throws -> String {
        let user = try await signedInUser()
        let refreshed = try await mapped { try await user.refreshTokensIfNeeded() }
        let token = refreshed.accessToken.tokenString
        // GoogleSignIn refreshes only expired tokens; a token Drive rejected while still valid
        // (access revoked) needs a new interactive sign-in.
        if token == rejected { throw TokenError.ReSignInRequired }
        return token
    }

    @MainActor
    private func signedInUser() async throws -> GIDGoogleUser {
        let signIn = GIDSignIn.sharedInstance
        var user = signIn.currentUser
        if user == nil, signIn.hasPreviousSignIn() {
            user = try? await signIn.restorePreviousSignIn()
        }
        if let user, user.grantedScopes?.contains(driveAppDataScope) == true {
            return user
        }
        guard let presenting = presenter() else { throw TokenError.NotSignedIn }
        if let user {
            // Signed in to Google already, but without the Drive scope: ask for it alone.
            return try await mapped { try await user.addScopes([driveAppDataScope], presenting: presenting).user }
        }
        return try await mapped {
            try await signIn.signIn(withPresenting: presenting, hint: nil, additionalScopes: [driveAppDataScope]).user
        }
    }

    /// GoogleSignIn's failures as the core's token errors.
    private func mapped<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as GIDSignInError where error.code == .canceled || error.code == .hasNoAuthInKeychain {
            throw TokenError.NotSignedIn
        } catch let error as NSError where error.domain == NSURLErrorDomain {
            throw TokenError.Network
        } catch {
            throw TokenError.ReSignInRequired
        }
    }
}
