import TraceAnalysis

/// Kernel structs behind a recorded tracepoint's pointer field whose members a dedicated
/// table kept: `$skb = (struct sk_buff *)args->skbaddr; $sk = (struct sock *)$skb->sk;
/// $sk->__sk_common.skc_family` of tcpdrop.bt reads the socket the tcp family's skb_drop row
/// recorded for that skb. Only these member paths are served; any other is refused naming it.
enum BtTracepointStructs {
    /// A pointer field of one tracepoint, and the paths from the struct it points to.
    struct Root {
        /// The struct the program casts the field to (`struct sk_buff`).
        let type: String
        /// Member paths that are themselves pointers, with the struct a program casts them to.
        let pointers: [[String]: String]
        /// Member paths to the values a recording holds.
        let leaves: [[String]: Leaf]
    }

    /// How a served member is read from its row.
    enum Leaf {
        /// An integer column as it is, and the kernel member's byte width.
        case column(String, width: Int)
        /// A 16-bit column kept in host order, read as the kernel's network-order field.
        case networkOrder16(String)
        /// The first 4 bytes of an address column, as the kernel's __be32 field reads.
        case ipv4(String)
        /// The 16 bytes of an address column, as a u8[16] array.
        case ipv6(String)
        /// The kernel member's byte width, where a program may bswap() it.
        var width: Int? {
            switch self {
            case .networkOrder16: return 2
            case .ipv4: return 4
            case .column(_, let width): return width
            case .ipv6: return nil
            }
        }
    }

    static let sockCommon = ["sk", "__sk_common"]

    /// By `SUBSYS:EVENT` and table (the table that kept the members), then pointer field name.
    static let roots: [String: [String: Root]] = [
        "skb:kfree_skb@skb_drop": [
            "skbaddr": Root(type: "struct sk_buff", pointers: [["sk"]: "struct sock"], leaves: [
                sockCommon + ["skc_family"]: .column("sk_family", width: 2),
                sockCommon + ["skc_state"]: .column("state", width: 1),
                sockCommon + ["skc_num"]: .column("sk_sport", width: 2),
                sockCommon + ["skc_dport"]: .networkOrder16("sk_dport"),
                sockCommon + ["skc_rcv_saddr"]: .ipv4("sk_saddr"),
                sockCommon + ["skc_daddr"]: .ipv4("sk_daddr"),
                sockCommon + ["skc_v6_rcv_saddr", "in6_u", "u6_addr8"]: .ipv6("sk_saddr"),
                sockCommon + ["skc_v6_daddr", "in6_u", "u6_addr8"]: .ipv6("sk_daddr"),
            ]),
        ],
    ]

    static func root(event: String, table: String, field: String) -> Root? { roots["\(event)@\(table)"]?[field] }

    /// Every served path of a root, for a refusal.
    static func served(_ root: Root, field: String) -> String {
        root.leaves.keys.map { "((\(root.type) *)args->\(field))->" + $0.joined(separator: "->") }.sorted().joined(separator: ", ")
    }
}

/// A pointer a program holds into a recorded tracepoint's struct: the pointer field it started
/// from, and the member path walked since.
struct BtStructPath: Equatable {
    var field: String
    var path: [String]
}

extension BtCompiler {
    /// The struct path `e` points to (`(struct sk_buff *)args->skbaddr`, `$skb->sk` cast to
    /// `struct sock`, a variable holding one), where it leads on to a served member; nil else.
    func structPath(_ e: BtExpr) -> BtStructPath? {
        switch e {
        case .structCast(let type, .field(let name, _), _):
            guard let source, let root = BtTracepointStructs.root(event: source.event, table: source.table, field: name), root.type == type else { return nil }
            return BtStructPath(field: name, path: [])
        case .structCast(let type, let inner, _):
            guard let p = structPath(inner), !p.path.isEmpty, structRoot(p)?.pointers[p.path] == type else { return nil }
            return p
        case .variable(let name, _): return structVariables[name]
        case .member(let base, let members, _):
            guard var p = structPath(base), let root = structRoot(p) else { return nil }
            p.path += members
            // A pointer member, or a step on the way to a served one.
            guard root.pointers[p.path] != nil || root.leaves.keys.contains(where: { $0.count > p.path.count && Array($0.prefix(p.path.count)) == p.path }) else { return nil }
            return p
        default: return nil
        }
    }

    /// The byte width of an integer expression where the program's types give one (casts,
    /// served struct members, variables first assigned one, bswap of one); nil for 8.
    func integerWidth(_ e: BtExpr) -> Int? {
        switch e {
        case .cast(let type, _, _): return type.hasPrefix("uint") || type.hasPrefix("int") ? Int(type.drop { !$0.isNumber }).map { $0 / 8 } : nil
        case .variable(let name, _): return scratchWidths[name]
        case .call("bswap", let args, _): return args.count == 1 ? integerWidth(args[0]) : nil
        case .member(let base, let path, _):
            guard let start = structPath(base), let leaf = structRoot(start)?.leaves[start.path + path] else { return nil }
            return leaf.width
        default: return nil
        }
    }

    func structRoot(_ p: BtStructPath) -> BtTracepointStructs.Root? {
        source.flatMap { BtTracepointStructs.root(event: $0.event, table: $0.table, field: p.field) }
    }

    /// `base->path` where base is a served struct pointer: the member's value from the row.
    func structMember(_ start: BtStructPath, _ path: [String], _ whole: String, _ at: BtPosition) throws(BtError) -> (type: BtType, eval: BtEval) {
        guard let root = structRoot(start), let columns else { throw BtError(at, "\(whole): not served") }
        let full = start.path + path
        guard let leaf = root.leaves[full] else {
            throw BtError(at, "\(whole): that memory is not in the recording; of \(source!.event)'s args->\(start.field) it serves \(BtTracepointStructs.served(root, field: start.field))")
        }
        switch leaf {
        case .column(let name, _):
            let slot = columns.slot(name)
            return (.int, { c in .int(c.ints[slot][c.index]) })
        case .networkOrder16(let name):
            let slot = columns.slot(name)
            return (.int, { c in .int(Int64(UInt16(truncatingIfNeeded: c.ints[slot][c.index]).byteSwapped)) })
        case .ipv4(let name):
            let slot = columns.slot(name)
            return (.int, { c in
                let b = c.row!.bytes(slot)
                guard b.count >= 4 else { return .int(0) }
                return .int(Int64(b.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }))
            })
        case .ipv6(let name):
            let slot = columns.slot(name)
            return (.string, { c in .string(Array(c.row!.bytes(slot).prefix(16))) })
        }
    }
}
