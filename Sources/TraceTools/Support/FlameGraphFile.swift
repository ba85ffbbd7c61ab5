import Glibc
import TraceFlameGraph
import TraceReport
import TraceAnalysis

/// The flame graph of a tool's printed stacks: each `StackItem` as its folded line has it (the
/// task's name, user frames outermost first, the `-` delimiter when printed, kernel frames),
/// with each frame's kind from the half it came from, and its value.
enum FlameGraphFile {
    static func stacks(_ items: [StackItem]) -> [FlameStack] {
        items.compactMap { item in
            guard let value = count(item.value) else { return nil }
            return FlameStack(frames: frames(item), value: value)
        }
    }

    static func frames(_ item: StackItem) -> [FlameFrame] {
        var frames: [FlameFrame] = []
        if let root = item.root, !root.isEmpty { frames.append(FlameFrame(root, .process)) }
        let user = item.user ?? []
        frames += user.indices.reversed().map { FlameFrame(user[$0], item.jitUser.contains($0) ? .jit : .user) }
        if item.delimits { frames.append(FlameFrame("-", .delimiter)) }
        frames += (item.kernel ?? []).reversed().map { FlameFrame($0, .kernel) }
        // offwaketime: the waker's stack upside down above the blocked one, as its folded line.
        if let waker = item.waker {
            frames.append(FlameFrame("--", .delimiter))
            frames += (waker.kernel ?? []).map { FlameFrame($0, .kernel) }
            if item.wakerDelimits { frames.append(FlameFrame("-", .delimiter)) }
            frames += (waker.user ?? []).map { FlameFrame($0, .user) }
            if !waker.name.isEmpty { frames.append(FlameFrame(waker.name, .process)) }
        }
        return frames
    }

    /// The differential stacks of two runs of a tool: each stack of either, matched by its
    /// frames (difffolded.pl), with NEW's value and BASE's; and what of BASE has no stack in NEW.
    static func differential(base: [StackItem], new: [StackItem]) -> (stacks: [FlameStack], onlyInBase: (count: Int, value: UInt64)) {
        var values: [[FlameFrame]: (new: UInt64, base: UInt64)] = [:]
        var order: [[FlameFrame]] = []
        for (items, isNew) in [(new, true), (base, false)] {
            for s in stacks(items) {
                if values[s.frames] == nil { order.append(s.frames) }
                if isNew { values[s.frames, default: (0, 0)].new &+= s.value } else { values[s.frames, default: (0, 0)].base &+= s.value }
            }
        }
        var only = (count: 0, value: UInt64(0))
        let joined = order.map { frames -> FlameStack in
            let v = values[frames]!
            if v.new == 0 && v.base > 0 { only.count += 1; only.value &+= v.base }
            return FlameStack(frames: frames, value: v.new, base: v.base)
        }
        return (joined, only)
    }

    /// The stacks of a differential folded file (difffolded.pl's `stack base new` lines, as
    /// `bpfan compare --folded-diff` writes them). Frames have no kinds in text: the first is
    /// the task's name, `-` the delimiter, a `_[k]` / `_[j]` annotation (profile -a, compare)
    /// marks kernel / JIT frames (and is dropped from the name), frames after `-` are kernel
    /// ones, the rest user ones. Decimal values (flamegraph.pl takes them) are rounded.
    static func differential(folded text: String, path: String) throws -> [FlameStack] {
        var out: [FlameStack] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.isEmpty { continue }
            guard fields.count >= 3, let base = number(fields[fields.count - 2]), let new = number(fields[fields.count - 1]) else {
                throw AnalysisError("--diff \(path): line \(i + 1): expected `stack base new` (difffolded.pl's form), got '\(line.prefix(80))'")
            }
            // A frame may hold spaces (C++ names): the stack is everything before the two numbers.
            let stack = fields.dropLast(2).joined(separator: " ")
            var frames: [FlameFrame] = []
            var kernelSide = false
            for (j, name) in stack.split(separator: ";").enumerated() {
                let n = String(name)
                if j == 0 { frames.append(FlameFrame(n, .process)); continue }
                if n == "-" { kernelSide = true; frames.append(FlameFrame(n, .delimiter)); continue }
                if n.hasSuffix("_[k]") { frames.append(FlameFrame(String(n.dropLast(4)), .kernel)); continue }
                if n.hasSuffix("_[j]") { frames.append(FlameFrame(String(n.dropLast(4)), .jit)); continue }
                frames.append(FlameFrame(n, kernelSide ? .kernel : .user))
            }
            out.append(FlameStack(frames: frames, value: new, base: base))
        }
        return out
    }

    static func number(_ s: Substring) -> UInt64? {
        guard let v = Double(s), v.isFinite, v >= 0, v < 1.8e19, s.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        return UInt64(v.rounded())
    }

    /// A stack's value as a width: counts and microseconds; nothing negative.
    static func count(_ v: Value) -> UInt64? {
        switch v {
        case .int(let i), .duration(let i): return i < 0 ? nil : UInt64(i)
        case .uint(let u): return u
        default: return nil
        }
    }

    /// Writes `svg` to `path` as a shell redirection would: truncated and written in place
    /// (never renamed over: the path may be a device or a pipe); a one-line error naming the
    /// file when it cannot be written whole.
    static func write(_ svg: String, to path: String, flag: String = "--svg") throws {
        guard let f = fopen(path, "w") else { throw failure(path, flag) }
        var bytes = Array(svg.utf8)
        let wrote = fwrite(&bytes, 1, bytes.count, f)
        let error = wrote == bytes.count ? nil : failure(path, flag)
        // A full disk shows when the buffer is flushed, at close.
        if fclose(f) != 0 { throw error ?? failure(path, flag) }
        if let error { throw error }
    }

    static func failure(_ path: String, _ flag: String) -> AnalysisError {
        AnalysisError("\(flag) \(path): cannot write it: \(String(cString: strerror(errno)))")
    }
}
