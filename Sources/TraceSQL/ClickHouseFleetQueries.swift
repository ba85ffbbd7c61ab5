/// The ClickHouse SQL that reproduces three tools fleet-wide, over the `<view>_all`
/// Distributed tables of docs/sql.md (Fleets). Written for 18.16 (Debian 12), so it uses
/// nothing newer: `arraySort(groupArray(…))` where later servers have quantileExactInclusive.
/// The tests run these exact texts against two servers and compare with the tools.
public enum FleetQueries {
    /// biolatency per host: libbpf-tools' log2 slots of the device time in µs (0 and 1 in
    /// slot 0, clamped at 26), as `host, slot, count`.
    public static let biolatency = """
        SELECT host, if(intDiv(service_ns, 1000) < 2, 0, least(26, toUInt32(floor(log2(intDiv(service_ns, 1000)))))) AS slot, count() AS n
        FROM block_requests_all WHERE service_ns >= 0 GROUP BY host, slot ORDER BY host, slot
        """

    /// syscount's top N across every host: calls per syscall name (syscount leaves out
    /// unnamed ids (-1) and rt_sigreturn), most first, ties by name.
    public static func syscountTop(_ n: Int) -> String {
        """
        SELECT name, count() AS calls FROM syscalls_all WHERE id != -1 AND name != 'rt_sigreturn'
        GROUP BY name ORDER BY calls DESC, name LIMIT \(n)
        """
    }

    /// runqlat's p99 per host (ns), from thread_states' run-queue waits, interpolated between
    /// the nearest ranks as `bpfan sql`'s percentile() is; and how many waits.
    public static let runqlatP99 = """
        SELECT host, a[toUInt64(floor(r)) + 1] + (a[toUInt64(least(floor(r) + 1, toFloat64(n - 1))) + 1] - a[toUInt64(floor(r)) + 1]) * (r - floor(r)) AS p99, n
        FROM (SELECT host, arraySort(groupArray(assumeNotNull(runnable_ns))) AS a, length(a) AS n, (n - 1) * 0.99 AS r
              FROM thread_states_all WHERE runnable_ns IS NOT NULL GROUP BY host)
        ORDER BY host
        """
}
