// How this build reaches the clouds. The `CairnSample (Emulator)` scheme compiles with
// CAIRN_EMULATOR: Google Drive is `cairn emulator serve` on the Mac (the simulator shares its
// network: cairn-app's `DevTarget.iosSimulator`, http://localhost:<port>) and a dev menu picks
// the emulator account; tokens are minted by the emulator through cairn-app. Other builds use
// iCloud (CloudKit) and the real Google Drive.

import Cairn
import Foundation
import UIKit

enum Backend {
    #if CAIRN_EMULATOR
    static let usesEmulator = true
    #else
    static let usesEmulator = false
    #endif

    static let googleApiBase = "https://www.googleapis.com"

    static var emulatorPort: UInt16 {
        UInt16(Bundle.main.object(forInfoDictionaryKey: "CairnEmulatorPort") as? String ?? "") ?? 8080
    }

    static func emulatorEndpoints() throws -> EmulatorEndpoints {
        try Cairn.emulatorEndpoints(target: .iosSimulator, port: emulatorPort)
    }

    static var description: String {
        usesEmulator ? "Emulator at http://localhost:\(emulatorPort)" : "iCloud / Google Drive"
    }

    /// The raw iCloud account status for cairn-app's provider choice.
    static func probes() async -> PlatformProbes {
        PlatformProbes(googlePlayServices: nil, hmsCore: nil, icloudAccountStatus: await ICloud.accountStatusCode())
    }

    /// The dev menu's accounts (emulator builds only).
    static func accounts() async throws -> [EmulatorAccount] {
        usesEmulator ? try await listEmulatorAccounts(endpoints: emulatorEndpoints()) : []
    }

    /// A session for `provider`; `accountId` is the dev menu's choice in emulator builds.
    @MainActor
    static func openSession(
        provider: CloudProvider,
        accountId: String?,
        presenter: @escaping @MainActor () -> UIViewController?
    ) throws -> AppSession {
        switch provider {
        case .iCloud:
            return AppSession.icloud(bridge: CloudKitDatabaseBridge(container: ICloud.container))
        case .googleDrive where usesEmulator:
            guard let accountId else { throw SampleError.chooseAccount }
            return try AppSession.emulator(endpoints: emulatorEndpoints(), accountId: accountId, provider: .googleDrive)
        case .googleDrive:
            return try AppSession.googleDrive(apiBase: googleApiBase, tokens: GoogleDriveTokens(presenter: presenter))
        case .huaweiDrive:
            throw SampleError.notOffered
        }
    }
}

enum SampleError: LocalizedError {
    case chooseAccount
    case notOffered

    var errorDescription: String? {
        switch self {
        case .chooseAccount: return "Choose an emulator account first."
        case .notOffered: return "This provider is not offered on iOS."
        }
    }
}
