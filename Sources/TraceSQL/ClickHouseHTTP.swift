import CCurl
import Foundation

/// ClickHouse's HTTP interface, one request at a time, through libcurl (easy interface: a
/// synchronous POST on a fresh connection each time, see shim.h).
public final class ClickHouseHTTP {
    public enum Failure: Error, CustomStringConvertible {
        /// The request may or may not have reached the server (refused, reset, timed out):
        /// worth a retry after checking what landed.
        case transport(String)
        /// The server answered with an error (bad SQL, unknown table…): a retry would fail alike.
        case server(status: Int, message: String)

        public var description: String {
            switch self {
            case .transport(let m): m
            case .server(let status, let m): "HTTP \(status): \(m)"
            }
        }
    }

    /// `http://host:port/`, possibly with `?user=…&password=…`.
    public let base: String
    private let handle: UnsafeMutableRawPointer
    public var timeoutSeconds = 300

    public init(url: String) throws {
        guard let u = URLComponents(string: url), u.scheme == "http" || u.scheme == "https", u.host?.isEmpty == false else {
            throw Failure.transport("--clickhouse \(url): expected http://HOST:PORT/")
        }
        guard let h = curl_easy_init() else { throw Failure.transport("libcurl: cannot create a handle") }
        handle = h
        base = url
    }

    deinit { curl_easy_cleanup(handle) }

    /// The URL of a request with these parameters (query, database, query_id, settings).
    func url(_ parameters: [(String, String)]) -> String {
        let encoded = parameters.map { name, value -> String in
            var v = value
            let escaped = v.withUTF8 { b in
                b.withMemoryRebound(to: CChar.self) { trc_curl_escape(handle, $0.baseAddress, Int32($0.count)) }
            }
            defer { curl_free(escaped) }
            return name + "=" + (escaped.map { String(cString: $0) } ?? "")
        }.joined(separator: "&")
        return base + (base.contains("?") ? "&" : "?") + encoded
    }

    /// POSTs `body` with the parameters; returns the answer's text.
    public func post(_ parameters: [(String, String)], body: [UInt8]) throws -> String {
        final class Answer { var bytes: [UInt8] = [] }
        let answer = Answer()
        var status = 0
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let context = Unmanaged.passUnretained(answer).toOpaque()
        let rc = body.withUnsafeBytes { b in
            trc_curl_post(handle, url(parameters), b.baseAddress, b.count, timeoutSeconds * 1000, { data, size, count, ctx in
                let n = size * count
                guard let data, let ctx else { return n }
                let a = Unmanaged<Answer>.fromOpaque(ctx).takeUnretainedValue()
                a.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n))
                return n
            }, context, &status, &errorBuffer)
        }
        withExtendedLifetime(answer) {}
        let text = String(decoding: answer.bytes, as: UTF8.self)
        guard rc == 0 else {
            let why = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw Failure.transport(why.isEmpty ? String(cString: curl_easy_strerror(CURLcode(UInt32(rc)))) : why)
        }
        guard status == 200 else {
            // ClickHouse's message is one line (`Code: 62, e.displayText() = …`); keep the first.
            let first = text.split(separator: "\n").first.map(String.init) ?? ""
            throw Failure.server(status: status, message: first)
        }
        return text
    }
}
