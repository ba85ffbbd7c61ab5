import CLibBPF
import Glibc

/// The maps every family object shares (bpf/common.bpf.h): created once here, then handed to
/// each object with `bpf_map__reuse_fd` before it loads, so all records go through one ring
/// buffer and all failed reserves land in one counter map.
final class SharedMaps {
    let ringFD: Int32
    let lostFD: Int32
    let pidFilterFD: Int32
    let ringBytes: Int

    init(ringBytes: Int) throws(RecorderError) {
        self.ringBytes = ringBytes
        let ring = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0, UInt32(ringBytes), nil)
        guard ring >= 0 else { throw RecorderError("cannot create the ring buffer (\(ringBytes) bytes): \(String(cString: strerror(-ring)))") }
        let lost = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "lost", 4, 8, UInt32(Family.idLimit), nil)
        guard lost >= 0 else { close(ring); throw RecorderError("cannot create the loss counter map: \(String(cString: strerror(-lost)))") }
        let filter = bpf_map_create(BPF_MAP_TYPE_HASH, "pid_filter", 4, 1, 8192, nil)
        guard filter >= 0 else { close(ring); close(lost); throw RecorderError("cannot create the pid filter map: \(String(cString: strerror(-filter)))") }
        ringFD = ring
        lostFD = lost
        pidFilterFD = filter
    }

    deinit {
        close(ringFD)
        close(lostFD)
        close(pidFilterFD)
    }

    func addPidFilter(_ pid: UInt32) throws(RecorderError) {
        var key = pid
        var one: UInt8 = 1
        let rc = bpf_map_update_elem(pidFilterFD, &key, &one, UInt64(BPF_ANY))
        if rc != 0 { throw RecorderError("-p \(pid): cannot add to the filter map: \(String(cString: strerror(errno)))") }
    }

    /// Points the object's maps of the same names at the shared ones.
    func share(with object: OpaquePointer) throws(RecorderError) {
        for (name, fd) in [("events", ringFD), ("lost", lostFD), ("pid_filter", pidFilterFD)] {
            guard let map = bpf_object__find_map_by_name(object, name) else { continue }
            let rc = bpf_map__reuse_fd(map, fd)
            if rc != 0 { throw RecorderError("cannot share map \(name): \(String(cString: strerror(-rc)))") }
        }
    }

    /// Failed reserves so far, indexed [family][cpu].
    func lostCounts(cpus: Int) -> [[UInt64]] {
        var out: [[UInt64]] = []
        var values = [UInt64](repeating: 0, count: cpus)
        for f in 0..<Family.idLimit {
            guard Family(rawValue: Int32(f)) != nil else {
                out.append([UInt64](repeating: 0, count: cpus))
                continue
            }
            var key = UInt32(f)
            let rc = values.withUnsafeMutableBytes { bpf_map_lookup_elem(lostFD, &key, $0.baseAddress) }
            out.append(rc == 0 ? values : [UInt64](repeating: 0, count: cpus))
        }
        return out
    }
}
