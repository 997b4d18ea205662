// An in-memory CloudKit private database with one custom zone, behind `CloudKitBridge`: for tests
// and previews on any platform (also Linux, where there is no CloudKit). It keeps the rules
// Rust's `CloudKitStore` relies on: the zone must exist (`zoneNotFound`), absent records are
// `unknownItem`, change tags change on every save and are checked under
// `ifServerRecordUnchanged` (`serverRecordChanged`), an optional byte quota gives
// `quotaExceeded`, and listings come in pages. Failures can be queued per operation.

import Foundation

/// `CKError.Code` raw values used by the in-memory bridge (CloudKit's `CKError.h`).
public enum CKErrorCode {
    public static let internalError: Int64 = 1
    public static let networkFailure: Int64 = 4
    public static let notAuthenticated: Int64 = 9
    public static let unknownItem: Int64 = 11
    public static let invalidArguments: Int64 = 12
    public static let serverRecordChanged: Int64 = 14
    public static let operationCancelled: Int64 = 20
    public static let changeTokenExpired: Int64 = 21
    public static let quotaExceeded: Int64 = 25
    public static let zoneNotFound: Int64 = 26
}

/// `CKAccountStatus` raw values.
public enum CKAccountStatusCode {
    public static let couldNotDetermine: Int64 = 0
    public static let available: Int64 = 1
    public static let restricted: Int64 = 2
    public static let noAccount: Int64 = 3
    public static let temporarilyUnavailable: Int64 = 4
}

public final class InMemoryCloudKitBridge: CloudKitBridge, @unchecked Sendable {
    /// The bridge operations, to queue failures for and to count calls.
    public enum Operation: Hashable, Sendable {
        case accountStatus, createZone, listRecords, fetchRecord, saveRecord, deleteRecord
    }

    private struct Stored {
        var changeTag: UInt64
        var modifiedMillis: Int64
        var payload: Data
        var appProperties: [String: String]
    }

    // Every field is guarded by `lock`.
    private let lock = NSLock()
    private var status = CKAccountStatusCode.available
    private var zoneExists = false
    private var records: [String: Stored] = [:]
    private var nextTag: UInt64 = 1
    private var clockMillis: Int64 = 1_767_323_045_000
    private var quota: UInt64?
    private let pageSize: Int
    private var queuedFailures: [(Operation, CloudKitError)] = []
    private var callCounts: [Operation: Int] = [:]
    private var fetchDelaySeconds: Double = 0

    public init(pageSize: Int = 200) {
        self.pageSize = max(1, pageSize)
    }

    // MARK: test controls

    /// What `accountStatus()` answers from now on.
    public func setAccountStatus(_ status: Int64) { locked { self.status = status } }

    /// The total payload bytes the zone may hold; `nil` for no limit.
    public func setQuota(bytes: UInt64?) { locked { quota = bytes } }

    /// The next `operation` fails with `code` (queued failures are used in order).
    public func failNext(_ operation: Operation, code: Int64, retryAfterSeconds: Double? = nil) {
        locked {
            queuedFailures.append(
                (operation, .Failure(code: code, retryAfterSeconds: retryAfterSeconds, itemCodes: [])))
        }
    }

    /// Every `fetchRecord` waits this long first (a slow network; 0 for none).
    public func setFetchDelay(seconds: Double) { locked { fetchDelaySeconds = max(0, seconds) } }

    /// How many times `operation` was called.
    public func calls(_ operation: Operation) -> Int { locked { callCounts[operation, default: 0] } }

    /// The names of the stored records, sorted.
    public var recordNames: [String] { locked { records.keys.sorted() } }

    // MARK: CloudKitBridge

    public func accountStatus() async throws -> Int64 {
        try begin(.accountStatus) { status }
    }

    public func createZone() async throws {
        try begin(.createZone) {
            try requireAccount()
            zoneExists = true
        }
    }

    public func listRecords(continuation: Data?) async throws -> CloudKitPage {
        try begin(.listRecords) {
            try requireZone()
            var start = 0
            if let continuation {
                // Our continuation is the name of the last record of the previous page.
                guard let after = String(data: continuation, encoding: .utf8) else {
                    throw CloudKitError.Failure(
                        code: CKErrorCode.changeTokenExpired, retryAfterSeconds: nil, itemCodes: [])
                }
                let names = records.keys.sorted()
                start = names.firstIndex { $0 > after } ?? names.count
            }
            let names = records.keys.sorted()
            let page = names[start..<min(names.count, start + pageSize)]
            let infos = page.compactMap { name in records[name].map { info(name, $0) } }
            let more = start + pageSize < names.count
            return CloudKitPage(records: infos, continuation: more ? page.last.map { Data($0.utf8) } : nil)
        }
    }

    public func fetchRecord(recordName: String) async throws -> CloudKitRecord {
        let delay = locked { fetchDelaySeconds }
        if delay > 0 {
            // Ends early when Rust drops the call (UniFFI cancels this task); either way fine.
            try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
        }
        return try begin(.fetchRecord) {
            try requireZone()
            guard let stored = records[recordName] else { throw failure(CKErrorCode.unknownItem) }
            return CloudKitRecord(
                recordName: recordName,
                changeTag: String(stored.changeTag),
                modifiedMillis: stored.modifiedMillis,
                payload: stored.payload,
                appProperties: stored.appProperties)
        }
    }

    public func saveRecord(record: CloudKitRecord, policy: CloudKitSavePolicy) async throws -> CloudKitRecordInfo {
        try begin(.saveRecord) {
            try requireZone()
            let existing = records[record.recordName]
            if policy == .ifServerRecordUnchanged, existing.map({ String($0.changeTag) }) != record.changeTag {
                throw failure(CKErrorCode.serverRecordChanged)
            }
            if let quota {
                let others = records.filter { $0.key != record.recordName }.values
                    .reduce(UInt64(0)) { $0 + UInt64($1.payload.count) }
                if others + UInt64(record.payload.count) > quota {
                    throw failure(CKErrorCode.quotaExceeded)
                }
            }
            clockMillis += 1000
            let stored = Stored(
                changeTag: nextTag, modifiedMillis: clockMillis, payload: record.payload,
                appProperties: record.appProperties)
            nextTag += 1
            records[record.recordName] = stored
            return info(record.recordName, stored)
        }
    }

    public func deleteRecord(recordName: String) async throws {
        try begin(.deleteRecord) {
            try requireZone()
            guard records.removeValue(forKey: recordName) != nil else {
                throw failure(CKErrorCode.unknownItem)
            }
        }
    }

    // MARK: internals

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Counts the call, then fails with a queued failure or runs `body`, under the lock.
    private func begin<T>(_ operation: Operation, _ body: () throws -> T) throws -> T {
        try locked {
            callCounts[operation, default: 0] += 1
            if let index = queuedFailures.firstIndex(where: { $0.0 == operation }) {
                throw queuedFailures.remove(at: index).1
            }
            return try body()
        }
    }

    private func failure(_ code: Int64) -> CloudKitError {
        .Failure(code: code, retryAfterSeconds: nil, itemCodes: [])
    }

    private func requireAccount() throws {
        if status != CKAccountStatusCode.available { throw failure(CKErrorCode.notAuthenticated) }
    }

    private func requireZone() throws {
        try requireAccount()
        if !zoneExists { throw failure(CKErrorCode.zoneNotFound) }
    }

    private func info(_ name: String, _ stored: Stored) -> CloudKitRecordInfo {
        CloudKitRecordInfo(
            recordName: name,
            changeTag: String(stored.changeTag),
            modifiedMillis: stored.modifiedMillis,
            size: UInt64(stored.payload.count),
            appProperties: stored.appProperties)
    }
}
