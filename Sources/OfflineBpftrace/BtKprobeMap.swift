/// The kprobes of bpftrace's .bt tools that a recorded tracepoint serves exactly: the kernel
/// function fires the tracepoint at the same point, and the arguments the program may read are
/// columns the recorder kept. Used only under `bpfan bt --map-kprobes`, which says each
/// substitution on stderr.
enum BtKprobeMap {
    struct Substitute {
        /// The tracepoint, as `SUB:EVENT`.
        let event: String
        /// argN → the column of the tracepoint's table that holds it.
        let arguments: [Int: String]
        /// What argN is, for the substitution's note.
        let meaning: String
        /// argN → the struct it points to, where the program may read fields of it the
        /// tracepoint recorded (`$oc = (struct oom_control *)arg0; $oc->totalpages`).
        var pointers: [Int: Pointer] = [:]
    }

    /// A kprobe argument's struct, with the member paths a recording serves.
    struct Pointer {
        /// As the program casts it: `struct oom_control`.
        let type: String
        let fields: [[String]: Field]
    }

    enum Field {
        /// The tracepoint's field of that name (args->NAME).
        case tracepointField(String)
        /// The recording host's RAM + swap in pages (MemTotal + SwapTotal, from its metadata).
        case hostPages
    }

    /// By function name. blk_account_io_start/done call trace_block_io_start/done with their
    /// request (block/blk-mq.c, 6.x), whose address bpfrec records in `rq`.
    static let substitutes: [String: Substitute] = [
        "blk_account_io_start": Substitute(event: "block:block_io_start", arguments: [0: "rq"], meaning: "arg0 = the request's address"),
        "__blk_account_io_start": Substitute(event: "block:block_io_start", arguments: [0: "rq"], meaning: "arg0 = the request's address"),
        "blk_account_io_done": Substitute(event: "block:block_io_done", arguments: [0: "rq"], meaning: "arg0 = the request's address"),
        "__blk_account_io_done": Substitute(event: "block:block_io_done", arguments: [0: "rq"], meaning: "arg0 = the request's address"),
        "blk_mq_start_request": Substitute(event: "block:block_rq_issue", arguments: [0: "rq"], meaning: "arg0 = the request's address"),
        // cap_capable(cred, target_ns, cap, opts) fires capability:cap_capable with cred,
        // target_ns, the namespace it found, cap and its result (security/commoncap.c, 6.13+);
        // opts is not among them.
        "cap_capable": Substitute(event: "capability:cap_capable", arguments: [2: "cap"], meaning: "arg2 = the capability, args->cap; its opts (arg3) are not in the tracepoint"),
        // oom_kill_process(oc, message) calls mark_oom_victim(oc->chosen), which fires
        // oom:mark_victim in the same task (mm/oom_kill.c, 6.x), naming the victim.
        "oom_kill_process": Substitute(event: "oom:mark_victim", arguments: [:],
                                       meaning: "arg0 = the oom_control: ->chosen->pid and ->chosen->comm are the victim's args->pid and args->comm, ->totalpages the host's RAM + swap in pages",
                                       pointers: [0: Pointer(type: "struct oom_control", fields: [
                                           ["chosen", "pid"]: .tracepointField("pid"), ["chosen", "comm"]: .tracepointField("comm"), ["totalpages"]: .hostPages,
                                       ])]),
    ]

    /// Kernel functions of the .bt tools with no tracepoint firing beside them, whose events a
    /// recording still holds another way: what to use instead, for the refusal.
    static let alternatives: [String: String] = [
        "inet_csk_accept": "the accepted connections are in the recording as accept calls matched to the tcp family's passive opens, which bpfan tcpaccept reads (bcc's tool); the listen backlog tcpaccept.bt prints (sk_ack_backlog/sk_max_ack_backlog) is not recorded",
    ]
}
