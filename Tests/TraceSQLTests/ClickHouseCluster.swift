import Foundation
import TraceSQL

/// Loopback sockets for the ClickHouse tests: free ports, and a listening socket.
enum Loopback {
    /// A TCP socket bound to 127.0.0.1:port (0: any free port), listening when asked.
    static func bound(port: UInt16 = 0, listen backlog: Int32? = nil) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &a) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sp in
                bind(fd, sp, len) == 0 && getsockname(fd, sp, &len) == 0 && (backlog.map { listen(fd, $0) == 0 } ?? true)
            }
        }
        guard ok else { close(fd); throw POSIXError(.EADDRINUSE) }
        return (fd, UInt16(bigEndian: a.sin_port))
    }

    /// Ports free now, all different. A port is held until every one is chosen so that the
    /// kernel cannot hand the same one out twice; it could still be taken between this and the
    /// server's bind, which `ClickHouseServer.start` detects (the server exits) and retries.
    static func freePorts(_ n: Int) throws -> [UInt16] {
        let held = try (0..<n).map { _ in try bound() }
        for h in held { close(h.fd) }
        return held.map(\.port)
    }

    static func connect(port: UInt16) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &a) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { close(fd); return nil }
        return fd
    }
}

/// One clickhouse-server of our own: its config, data and logs in a temporary directory, HTTP
/// and native ports on loopback, and the two-shard cluster `bpfan_fleet` of `shards` in its
/// remote_servers (so that a Distributed table on any server reads them all).
final class ClickHouseServer {
    static let binary = "/usr/sbin/clickhouse-server"
    static var installed: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    let directory: URL
    private(set) var httpPort: UInt16 = 0
    private(set) var tcpPort: UInt16 = 0
    private var process: Process?

    var url: String { "http://127.0.0.1:\(httpPort)/" }

    init(name: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bpfan-clickhouse-\(getpid())-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func choosePorts() throws {
        let p = try Loopback.freePorts(2)
        (httpPort, tcpPort) = (p[0], p[1])
    }

    func writeConfig(shards: [UInt16]) throws {
        let d = directory.path
        let replicas = shards.map { "<shard><replica><host>127.0.0.1</host><port>\($0)</port></replica></shard>" }.joined()
        let config = """
            <yandex>
              <logger><level>warning</level><log>\(d)/server.log</log><errorlog>\(d)/error.log</errorlog><console>0</console></logger>
              <http_port>\(httpPort)</http_port>
              <tcp_port>\(tcpPort)</tcp_port>
              <listen_host>127.0.0.1</listen_host>
              <path>\(d)/data/</path>
              <tmp_path>\(d)/tmp/</tmp_path>
              <users_config>\(d)/users.xml</users_config>
              <default_profile>default</default_profile>
              <default_database>default</default_database>
              <mark_cache_size>16777216</mark_cache_size>
              <remote_servers><bpfan_fleet>\(replicas)</bpfan_fleet></remote_servers>
            </yandex>
            """
        let users = """
            <yandex>
              <profiles><default></default></profiles>
              <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
              <quotas><default></default></quotas>
            </yandex>
            """
        try config.write(to: directory.appendingPathComponent("config.xml"), atomically: true, encoding: .utf8)
        try users.write(to: directory.appendingPathComponent("users.xml"), atomically: true, encoding: .utf8)
    }

    /// Starts the server and waits until /ping answers (it exits at once if a port was taken
    /// meanwhile: then false, and the caller picks new ports).
    func start(timeout: Double = 20) throws -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = ["--config-file=\(directory.appendingPathComponent("config.xml").path)"]
        p.currentDirectoryURL = directory
        let log = directory.appendingPathComponent("stdout.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let h = try FileHandle(forWritingTo: log)
        p.standardOutput = h
        p.standardError = h
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(timeout)
        let http = try ClickHouseHTTP(url: url)
        http.timeoutSeconds = 2
        while Date() < deadline {
            if !p.isRunning { process = nil; return false }
            if (try? http.post([], body: Array("SELECT 1".utf8))) == "1\n" { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw ClickHouseTestError("clickhouse-server on \(httpPort) did not answer within \(Int(timeout)) s: \(errorLog)")
    }

    var errorLog: String {
        (try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8))?.split(separator: "\n").suffix(3).joined(separator: " | ") ?? ""
    }

    /// Asks the server to exit (SIGTERM; 18.16 takes ~2.5 s to shut down).
    func terminate() { if let p = process, p.isRunning { p.terminate() } }

    /// SIGTERM, then SIGKILL if it has not exited within 10 s; removes the directory.
    func stop() {
        if let p = process, p.isRunning {
            p.terminate()
            let deadline = Date().addingTimeInterval(10)
            while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        }
        process = nil
        try? FileManager.default.removeItem(at: directory)
    }

    @discardableResult
    func query(_ sql: String, database: String = "default") throws -> String {
        try ClickHouseHTTP(url: url).post([("database", database)], body: Array(sql.utf8))
    }
}

struct ClickHouseTestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Two servers as the two shards of `bpfan_fleet`. Stopped by `stop()` (call it in a defer).
final class ClickHouseCluster {
    let servers: [ClickHouseServer]

    init(shards: Int = 2) throws {
        servers = try (0..<shards).map { try ClickHouseServer(name: "shard\($0)") }
        do {
            for attempt in 1...3 {
                for s in servers { try s.choosePorts() }
                for s in servers { try s.writeConfig(shards: servers.map(\.tcpPort)) }
                var up = true
                for s in servers where up { up = try s.start() }
                if up { break }
                for s in servers { s.stop() }
                if attempt == 3 { throw ClickHouseTestError("clickhouse-server would not start: \(servers.map(\.errorLog))") }
                for s in servers { try FileManager.default.createDirectory(at: s.directory, withIntermediateDirectories: true) }
            }
        } catch {
            stop()
            throw error
        }
    }

    /// Stops every server (in parallel: each takes seconds to shut down).
    func stop() {
        for s in servers { s.terminate() }
        for s in servers { s.stop() }
    }
}
