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
    }

    /// By function name. blk_account_io_start/done call trace_block_io_start/done with their
    /// request (block/blk-mq.c, 6.x), whose address bpfrec records in `rq`.
    static let substitutes: [String: Substitute] = [
        "blk_account_io_start": Substitute(event: "block:block_io_start", arguments: [0: "rq"], meaning: "arg0 = the request's address"),
        "__blk_account_io_start": Substitute(event: "block:block_io_start", arguments: [0: "rq"], meaning: "arg0 = the request's address"),
        "blk_account_io_done": Substitute(event: "block:block_io_done", arguments: [0: "rq"], meaning: "arg0 = the request's address"),
        "__blk_account_io_done": Substitute(event: "block:block_io_done", arguments: [0: "rq"], meaning: "arg0 = the request's address"),
        "blk_mq_start_request": Substitute(event: "block:block_rq_issue", arguments: [0: "rq"], meaning: "arg0 = the request's address"),
    ]

    /// Kernel functions of the .bt tools with no tracepoint firing beside them, whose events a
    /// recording still holds another way: what to use instead, for the refusal.
    static let alternatives: [String: String] = [
        "inet_csk_accept": "the accepted connections are in the recording as accept calls matched to the tcp family's passive opens, which bpfan tcpaccept reads (bcc's tool); the listen backlog tcpaccept.bt prints (sk_ack_backlog/sk_max_ack_backlog) is not recorded",
    ]
}
