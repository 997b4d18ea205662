// iCloud through the Cairn package's CloudKit bridge: Rust drives it, CloudKit stores one
// record per backup object in the private database of the app's container.

import Cairn
import CloudKit
import Foundation

enum ICloud {
    /// The container named in Info.plist (`CairnICloudContainer`, from the xcconfig), the same
    /// id as in CairnSample.entitlements.
    static var containerIdentifier: String {
        Bundle.main.object(forInfoDictionaryKey: "CairnICloudContainer") as? String ?? "iCloud.org.cairn.sample"
    }

    static var container: CKContainer { CKContainer(identifier: containerIdentifier) }

    /// The raw `CKAccountStatus` for cairn-app's provider choice (nil when CloudKit could not
    /// answer; the choice then treats iCloud as unknown rather than unavailable).
    static func accountStatusCode() async -> Int64? {
        guard let status = try? await container.accountStatus() else { return nil }
        return Int64(status.rawValue)
    }

    /// A backup service over this container's private database.
    static func backupService() -> BackupService {
        BackupService.icloud(bridge: CloudKitDatabaseBridge(container: container))
    }
}
