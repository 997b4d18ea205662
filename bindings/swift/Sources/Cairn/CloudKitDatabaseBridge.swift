// The iCloud side of Cairn: `CloudKitBridge` over CloudKit's private database.
//
// The bridge stays dumb on purpose: one CloudKit operation per call, failures passed back as
// `CKError.Code` raw values. Zone re-creation, retries, conflicts and what each code means for
// the user are decided once, in Rust (cairn-cloud's `CloudKitStore`).

#if canImport(CloudKit)
import CloudKit
import Foundation

/// `CloudKitBridge` over `container`'s private database, one custom zone, one `CKRecord` per
/// object (record name = object name).
public final class CloudKitDatabaseBridge: CloudKitBridge, @unchecked Sendable {
    // Immutable after init; CloudKit's objects are thread-safe.
    private let container: CKContainer
    private let database: CKDatabase
    private let zoneID: CKRecordZone.ID
    private let recordType: CKRecord.RecordType

    /// Payloads up to this size are a `Bytes` field; larger ones a `CKAsset` (records are
    /// limited to 1 MB in total).
    static let inlinePayloadLimit = 900_000
    static let payloadField = "payload"
    static let payloadAssetField = "payloadAsset"
    static let sizeField = "size"
    /// The object's app properties as one JSON object of strings.
    static let propertiesField = "appProperties"

    public init(
        container: CKContainer = .default(),
        zoneName: String = "CairnBackups",
        recordType: String = "CairnObject"
    ) {
        self.container = container
        self.database = container.privateCloudDatabase
        self.zoneID = CKRecordZone.ID(zoneName: zoneName, ownerName: CKCurrentUserDefaultName)
        self.recordType = recordType
    }

    public func accountStatus() async throws -> Int64 {
        try await passingFailures { Int64(try await container.accountStatus().rawValue) }
    }

    public func createZone() async throws {
        try await passingFailures {
            let results = try await database.modifyRecordZones(
                saving: [CKRecordZone(zoneID: zoneID)], deleting: [])
            // Saving an existing zone succeeds, so any per-zone error is a real one.
            if let result = results.saveResults[zoneID] {
                _ = try result.get()
            }
        }
    }

    public func listRecords(continuation: Data?) async throws -> CloudKitPage {
        try await passingFailures {
            let since = try continuation.map(Self.unarchiveToken)
            let changes = try await database.recordZoneChanges(
                inZoneWith: zoneID,
                since: since,
                desiredKeys: [Self.sizeField, Self.propertiesField],
                resultsLimit: 200)
            var records: [CloudKitRecordInfo] = []
            for (_, result) in changes.modificationResultsByID {
                records.append(try Self.info(of: try result.get().record))
            }
            let next = changes.moreComing ? try Self.archiveToken(changes.changeToken) : nil
            return CloudKitPage(records: records, continuation: next)
        }
    }

    public func fetchRecord(recordName: String) async throws -> CloudKitRecord {
        try await passingFailures {
            let record = try await database.record(for: recordID(recordName))
            return try Self.contents(of: record)
        }
    }

    public func saveRecord(record: CloudKitRecord, policy: CloudKitSavePolicy) async throws -> CloudKitRecordInfo {
        try await passingFailures {
            // CloudKit checks change tags against the system fields of the CKRecord being saved,
            // so a save of a known version starts from the server's record of that version.
            let ckRecord: CKRecord
            if let tag = record.changeTag, policy == .ifServerRecordUnchanged {
                let server = try await database.record(for: recordID(record.recordName))
                guard server.recordChangeTag == tag else {
                    throw CKError(.serverRecordChanged)
                }
                ckRecord = server
            } else {
                ckRecord = CKRecord(recordType: recordType, recordID: recordID(record.recordName))
            }
            var temporaryAsset: URL?
            defer {
                if let url = temporaryAsset { try? FileManager.default.removeItem(at: url) }
            }
            if record.payload.count <= Self.inlinePayloadLimit {
                ckRecord[Self.payloadField] = record.payload as NSData
                ckRecord[Self.payloadAssetField] = nil
            } else {
                let url = FileManager.default.temporaryDirectory
                    .appendingPathComponent("cairn-\(UUID().uuidString).bin")
                try record.payload.write(to: url, options: [.atomic])
                temporaryAsset = url
                ckRecord[Self.payloadField] = nil
                ckRecord[Self.payloadAssetField] = CKAsset(fileURL: url)
            }
            ckRecord[Self.sizeField] = Int64(record.payload.count) as NSNumber
            ckRecord[Self.propertiesField] = try Self.encode(record.appProperties) as NSString
            let savePolicy: CKModifyRecordsOperation.RecordSavePolicy =
                policy == .allKeys ? .allKeys : .ifServerRecordUnchanged
            let results = try await database.modifyRecords(
                saving: [ckRecord], deleting: [], savePolicy: savePolicy, atomically: true)
            guard let result = results.saveResults[ckRecord.recordID] else {
                throw CKError(.internalError)
            }
            return try Self.info(of: try result.get())
        }
    }

    public func deleteRecord(recordName: String) async throws {
        try await passingFailures {
            _ = try await database.deleteRecord(withID: recordID(recordName))
        }
    }

    private func recordID(_ name: String) -> CKRecord.ID {
        CKRecord.ID(recordName: name, zoneID: zoneID)
    }

    /// Runs `body`, turning whatever it throws into the `CloudKitError` Rust expects.
    private func passingFailures<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw Self.failure(error)
        }
    }

    static func failure(_ error: Error) -> CloudKitError {
        if let failure = error as? CloudKitError {
            return failure
        }
        if let ckError = error as? CKError {
            let itemCodes = (ckError.partialErrorsByItemID ?? [:]).values.compactMap {
                ($0 as? CKError).map { Int64($0.code.rawValue) }
            }
            return .Failure(
                code: Int64(ckError.code.rawValue),
                retryAfterSeconds: ckError.retryAfterSeconds,
                itemCodes: itemCodes)
        }
        if error is CancellationError {
            return .Failure(code: Int64(CKError.Code.operationCancelled.rawValue), retryAfterSeconds: nil, itemCodes: [])
        }
        return .Failure(code: Int64(CKError.Code.internalError.rawValue), retryAfterSeconds: nil, itemCodes: [])
    }

    static func info(of record: CKRecord) throws -> CloudKitRecordInfo {
        CloudKitRecordInfo(
            recordName: record.recordID.recordName,
            changeTag: record.recordChangeTag ?? "",
            modifiedMillis: millis(record.modificationDate),
            size: UInt64(max(0, (record[sizeField] as? NSNumber)?.int64Value ?? 0)),
            appProperties: try decode(record[propertiesField] as? String))
    }

    static func contents(of record: CKRecord) throws -> CloudKitRecord {
        let payload: Data
        if let inline = record[payloadField] as? Data {
            payload = inline
        } else if let asset = record[payloadAssetField] as? CKAsset, let url = asset.fileURL {
            payload = try Data(contentsOf: url)
        } else {
            payload = Data()
        }
        return CloudKitRecord(
            recordName: record.recordID.recordName,
            changeTag: record.recordChangeTag,
            modifiedMillis: millis(record.modificationDate),
            payload: payload,
            appProperties: try decode(record[propertiesField] as? String))
    }

    static func millis(_ date: Date?) -> Int64 {
        Int64(((date ?? Date()).timeIntervalSince1970 * 1000).rounded())
    }

    static func encode(_ properties: [String: String]) throws -> String {
        String(decoding: try JSONEncoder().encode(properties), as: UTF8.self)
    }

    /// A record whose properties are not ours reads as having none; Rust validates the rest.
    static func decode(_ json: String?) throws -> [String: String] {
        guard let json else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: Data(json.utf8))) ?? [:]
    }

    static func archiveToken(_ token: CKServerChangeToken) throws -> Data {
        try NSKeyedArchiver.archivedData(withRootObject: token, requiringSecureCoding: true)
    }

    static func unarchiveToken(_ data: Data) throws -> CKServerChangeToken {
        guard let token = try? NSKeyedUnarchiver.unarchivedObject(ofClass: CKServerChangeToken.self, from: data)
        else {
            // Not a token we wrote: CloudKit's answer to a bad token is to start over.
            throw CKError(.changeTokenExpired)
        }
        return token
    }
}
#endif
