/* tcpio family: the bytes each TCP sendmsg and recvmsg moved, with the socket's addresses, on
 * sock:sock_send_length and sock:sock_recv_length (they fire in sock_sendmsg and sock_recvmsg,
 * in the calling task, for every socket: only TCP over IPv4 and IPv6 is kept). tcptop's kprobes
 * on tcp_sendmsg and tcp_cleanup_rbuf are not available here; these count what the calls
 * returned. */
#include "common.bpf.h"
#include <bpf/bpf_endian.h>

#define FAMILY BPFREC_FAMILY_TCPIO
#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

static __always_inline int on_io(struct sock *sk, int ret, __u8 direction)
{
	if (ret <= 0 || !sk)
		return 0;
	__u64 pt = bpf_get_current_pid_tgid();
	if (skip_current(pt >> 32))
		return 0;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	struct tcp_io_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_HEADER(r, EVENT_TCP_IO, pt >> 32, (__u32)pt);
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->skaddr = (__u64)sk;
	r->family = family;
	/* tcptop's key: skc_num (host order) and skc_dport. */
	r->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	r->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	__builtin_memset(r->saddr, 0, 16);
	__builtin_memset(r->daddr, 0, 16);
	if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&r->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&r->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		BPF_CORE_READ_INTO((__u32 *)r->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)r->daddr, sk, __sk_common.skc_daddr);
	}
	r->saddr_len = 16;
	r->daddr_len = 16;
	r->bytes = ret;
	r->direction = direction;
	submit(r);
	return 0;
}
DUAL_TP(sock_send_length, on_io(sk, ret, 1), struct sock *sk, int ret, int flags)
DUAL_TP(sock_recv_length, on_io(sk, ret, 2), struct sock *sk, int ret, int flags)
