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
}
