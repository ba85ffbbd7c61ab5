/* block family: request lifecycle, one table per tracepoint, paired by the request pointer.
 * Not filtered by the current task: completions run in whatever task an interrupt hit
 * (sometimes the recorder), so dropping "current == recorder" would lose them. */
#include "common.bpf.h"

#define FAMILY BPFREC_FAMILY_BLOCK

/* blk_fill_rwbs(): the rwbs string the block tracepoints print. */
static __always_inline void fill_rwbs(char *rwbs, __u32 opf)
{
	int i = 0;
	__u32 op = opf & 0xff; /* REQ_OP_MASK */
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_PREFLUSH)))
		rwbs[i++] = 'F';
	switch (op) {
	case 1: /* REQ_OP_WRITE */
	case 9: /* REQ_OP_WRITE_ZEROES */
		rwbs[i++] = 'W';
		break;
	case 3: /* REQ_OP_DISCARD */
		rwbs[i++] = 'D';
		break;
	case 5: /* REQ_OP_SECURE_ERASE */
		rwbs[i++] = 'D';
		rwbs[i++] = 'E';
		break;
	case 2: /* REQ_OP_FLUSH */
		rwbs[i++] = 'F';
		break;
	case 0: /* REQ_OP_READ */
		rwbs[i++] = 'R';
		break;
	default:
		rwbs[i++] = 'N';
	}
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_FUA)))
		rwbs[i++] = 'F';
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_RAHEAD)))
		rwbs[i++] = 'A';
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_SYNC)))
		rwbs[i++] = 'S';
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_META)))
		rwbs[i++] = 'M';
	rwbs[i & 7] = 0;
}

/* blk_status_to_errno() for the statuses a completion reports. */
static __always_inline int status_errno(__u8 status)
{
	switch (status) {
	case 0: return 0;
	case 1: return -95;  /* NOTSUPP: EOPNOTSUPP */
	case 2: return -110; /* TIMEOUT: ETIMEDOUT */
	case 3: return -28;  /* NOSPC: ENOSPC */
	case 4: return -67;  /* TRANSPORT: ENOLINK */
	case 5: return -121; /* TARGET: EREMOTEIO */
	case 7: return -61;  /* MEDIUM: ENODATA */
	case 8: return -84;  /* PROTECTION: EILSEQ */
	case 9: return -12;  /* RESOURCE: ENOMEM */
	case 11: return -11; /* AGAIN: EAGAIN */
	default: return -5;  /* IOERR and the rest: EIO */
	}
}

/* All six tables share one layout (block_rq column set): one writer serves them. */
_Static_assert(sizeof(struct block_rq_insert_record) == sizeof(struct block_rq_complete_record), "block layouts");
_Static_assert(sizeof(struct block_rq_insert_record) == sizeof(struct block_io_done_record), "block layouts");

static __always_inline int on_rq(bool btf, struct request *rq, __u32 kind, int error, __s64 nr_bytes)
{
	struct block_rq_insert_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	__u64 pt = bpf_get_current_pid_tgid();
	FILL_HEADER(r, kind, pt >> 32, (__u32)pt);
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->rq = (__u64)rq;
	struct gendisk *disk = btf ? rq->q->disk : BPF_CORE_READ(rq, q, disk);
	r->dev = disk ? ((__u32)RD(btf, disk, major) << 20) | (__u32)RD(btf, disk, first_minor) : 0;
	r->sector = RD(btf, rq, __sector);
	r->nr_bytes = nr_bytes >= 0 ? nr_bytes : RD(btf, rq, __data_len);
	__u32 opf = RD(btf, rq, cmd_flags);
	r->cmd_flags = opf;
	__builtin_memset(r->rwbs, 0, sizeof(r->rwbs));
	fill_rwbs(r->rwbs, opf);
	r->error = error;
	submit(r);
	return 0;
}

DUAL_TP(block_rq_insert, on_rq(is_btf, rq, EVENT_BLOCK_RQ_INSERT, 0, -1), struct request *rq)
DUAL_TP(block_rq_issue, on_rq(is_btf, rq, EVENT_BLOCK_RQ_ISSUE, 0, -1), struct request *rq)
DUAL_TP(block_rq_requeue, on_rq(is_btf, rq, EVENT_BLOCK_RQ_REQUEUE, 0, -1), struct request *rq)
DUAL_TP(block_rq_complete, on_rq(is_btf, rq, EVENT_BLOCK_RQ_COMPLETE, status_errno(error), nr_bytes),
	struct request *rq, blk_status_t error, unsigned int nr_bytes)
DUAL_TP(block_io_start, on_rq(is_btf, rq, EVENT_BLOCK_IO_START, 0, -1), struct request *rq)
DUAL_TP(block_io_done, on_rq(is_btf, rq, EVENT_BLOCK_IO_DONE, 0, -1), struct request *rq)
