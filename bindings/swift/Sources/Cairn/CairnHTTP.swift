// The default HTTP client Cairn's Rust library sends its requests through (ADR 0007):
// URLSession, so requests get the system trust store, user/enterprise CAs (configuration
// profiles), proxies/VPN and App Transport Security. The library itself ships no TLS.

import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Installs the HTTP client every Cairn service built afterwards uses. Call once at app start.
public enum CairnHTTP {
    /// The default client over `URLSessionConfiguration.default`.
    public static let `default`: HttpClient = URLSessionHttpClient()

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var current: HttpClient?
    }

    private static let state = State()

    /// Installs `default` unless it is already installed (safe to call from every entry point).
    public static func installDefault() {
        state.lock.withLock {
            if state.current !== `default` {
                setHttpClient(client: `default`)
                state.current = `default`
            }
        }
    }

    /// Installs `client` (e.g. a `URLSessionHttpClient` with the app's own configuration).
    public static func install(_ client: HttpClient) {
        state.lock.withLock {
            setHttpClient(client: client)
            state.current = client
        }
    }
}

/// `HttpClient` over URLSession: the request's own timeout, the body read only up to
/// `maxResponseBytes()` (Rust checks it again), Swift task cancellation cancels the transfer.
public final class URLSessionHttpClient: HttpClient, @unchecked Sendable {
    private let configuration: URLSessionConfiguration

    public init(configuration: URLSessionConfiguration = .default) {
        self.configuration = configuration
    }

    public func send(request: HttpRequest) async throws -> HttpResponse {
        guard let url = URL(string: request.url()) else { throw HttpError.InvalidRequest }
        var urlRequest = URLRequest(url: url)
        switch request.method() {
        case .get: urlRequest.httpMethod = "GET"
        case .post: urlRequest.httpMethod = "POST"
        case .patch: urlRequest.httpMethod = "PATCH"
        case .delete: urlRequest.httpMethod = "DELETE"
        }
        for header in request.headers() {
            urlRequest.addValue(header.value, forHTTPHeaderField: header.name)
        }
        let body = request.body()
        if !body.isEmpty { urlRequest.httpBody = body }
        urlRequest.timeoutInterval = max(Double(request.timeoutMs()) / 1000, 0.001)
        let transfer = BoundedTransfer(limit: request.maxResponseBytes())
        return try await withTaskCancellationHandler {
            try await transfer.run(urlRequest, configuration: configuration)
        } onCancel: {
            transfer.cancel()
        }
    }
}

/// One data task whose delegate stops it as soon as the body passes `limit`.
private final class BoundedTransfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let limit: UInt64
    // Guarded by `lock`.
    private let lock = NSLock()
    private var received = Data()
    private var tooLarge = false
    private var cancelled = false
    private var task: URLSessionDataTask?
    private var continuation: CheckedContinuation<HttpResponse, Error>?

    init(limit: UInt64) {
        self.limit = limit
    }

    func run(_ request: URLRequest, configuration: URLSessionConfiguration) async throws -> HttpResponse {
        try await withCheckedThrowingContinuation { continuation in
            let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
            let task = session.dataTask(with: request)
            let cancelledAlready = lock.withLock {
                self.continuation = continuation
                self.task = task
                return cancelled
            }
            task.resume()
            if cancelledAlready { task.cancel() }
            // The session lets go of its delegate once the task ends.
            session.finishTasksAndInvalidate()
        }
    }

    func cancel() {
        let task = lock.withLock {
            cancelled = true
            return self.task
        }
        task?.cancel()
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        if response.expectedContentLength > 0 && UInt64(response.expectedContentLength) > limit {
            lock.withLock { tooLarge = true }
            completionHandler(.cancel)
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let over = lock.withLock { () -> Bool in
            if tooLarge { return true }
            received.append(data)
            if UInt64(received.count) > limit {
                tooLarge = true
                received = Data()
            }
            return tooLarge
        }
        if over { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let (continuation, body, tooLarge) = lock.withLock { () -> (CheckedContinuation<HttpResponse, Error>?, Data, Bool) in
            defer { self.continuation = nil }
            return (self.continuation, received, self.tooLarge)
        }
        guard let continuation else { return }
        if tooLarge {
            continuation.resume(throwing: HttpError.BodyTooLarge)
        } else if let error {
            continuation.resume(throwing: Self.map(error))
        } else if let http = task.response as? HTTPURLResponse {
            let headers = http.allHeaderFields.compactMap { key, value -> HttpHeader? in
                guard let name = key as? String else { return nil }
                return HttpHeader(name: name, value: "\(value)")
            }
            continuation.resume(returning: HttpResponse(status: UInt16(clamping: http.statusCode), headers: headers, body: body))
        } else {
            continuation.resume(throwing: HttpError.Interrupted)
        }
    }

    private static func map(_ error: Error) -> HttpError {
        guard let error = error as? URLError else { return .Interrupted }
        switch error.code {
        case .timedOut: return .Timeout
        case .notConnectedToInternet, .dataNotAllowed, .internationalRoamingOff: return .Offline
        case .cannotFindHost, .cannotConnectToHost, .dnsLookupFailed, .secureConnectionFailed,
            .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
            .serverCertificateHasUnknownRoot, .clientCertificateRejected, .clientCertificateRequired,
            .appTransportSecurityRequiresSecureConnection:
            return .Connect
        case .unsupportedURL, .badURL: return .InvalidRequest
        default: return .Interrupted
        }
    }
}
