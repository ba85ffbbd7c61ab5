/* tcp family: TCP state changes (with the byte counts tcplife prints), retransmits, resets
 * and drops of TCP packets. Most of these run in softirq context, so the current task is
 * whatever was interrupted (the recorder included): nothing is filtered by the current task.
 * The recorder has no TCP sockets of its own. */
#include "common.bpf.h"
#include <bpf/bpf_endian.h>

#define FAMILY BPFREC_FAMILY_TCP
#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

/* Fills the connection identity from a socket. */
#define FILL_FROM_SOCK(r, sk) do {                                                  \
	(r)->skaddr = (__u64)(sk);                                                      \
	(r)->family = BPF_CORE_READ(sk, __sk_common.skc_family);                        \
	/* inet_sport, like the tracepoint: skc_num is already 0 when a socket reaches CLOSE. */ \
	(r)->sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)(sk), inet_sport));     \
	(r)->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));               \
	__builtin_memset((r)->saddr, 0, 16);                                            \
	__builtin_memset((r)->daddr, 0, 16);                                            \
	if ((r)->family == AF_INET6) {                                                  \
		BPF_CORE_READ_INTO(&(r)->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8); \
		BPF_CORE_READ_INTO(&(r)->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);     \
	} else {                                                                        \
		BPF_CORE_READ_INTO((__u32 *)(r)->saddr, sk, __sk_common.skc_rcv_saddr);     \
		BPF_CORE_READ_INTO((__u32 *)(r)->daddr, sk, __sk_common.skc_daddr);         \
	}                                                                               \
	(r)->saddr_len = 16;                                                            \
	(r)->daddr_len = 16;                                                            \
} while (0)

#define FILL_CURRENT(r, kind) do {                                                  \
	__u64 pt = bpf_get_current_pid_tgid();                                          \
	FILL_HEADER(r, kind, pt >> 32, (__u32)pt);                                      \
	bpf_get_current_comm((r)->comm, sizeof((r)->comm));                             \
} while (0)

static __always_inline int on_state(struct sock *sk, int oldstate, int newstate)
{
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	struct tcp_state_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_CURRENT(r, EVENT_TCP_STATE);
	FILL_FROM_SOCK(r, sk);
	r->old_state = oldstate;
	r->new_state = newstate;
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	r->bytes_acked = BPF_CORE_READ(tp, bytes_acked);
	r->bytes_received = BPF_CORE_READ(tp, bytes_received);
	submit(r);
	return 0;
}
DUAL_TP(inet_sock_set_state, on_state((struct sock *)sk, oldstate, newstate), const struct sock *sk, const int oldstate, const int newstate)

static __always_inline int on_retransmit(struct sock *sk, int err)
{
	if (!sk)
		return 0;
	struct tcp_retransmit_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_CURRENT(r, EVENT_TCP_RETRANSMIT);
	FILL_FROM_SOCK(r, sk);
	r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	r->err = err;
	submit(r);
	return 0;
}
DUAL_TP(tcp_retransmit_skb, on_retransmit((struct sock *)sk, err), const struct sock *sk, const struct sk_buff *skb, int err)

/* Addresses and ports from a packet's IPv4/IPv6 and TCP headers; false when it is not TCP. */
struct pkt_id {
	__u16 family, sport, dport;
	__u8 tcp_flags;
	__u8 saddr[16], daddr[16];
};

static __always_inline bool parse_tcp_packet(struct sk_buff *skb, struct pkt_id *id)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 th = BPF_CORE_READ(skb, transport_header);
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	__builtin_memset(id, 0, sizeof(*id));
	if (proto == ETH_P_IP) {
		struct iphdr ip;
		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh) || ip.protocol != IPPROTO_TCP)
			return false;
		id->family = AF_INET;
		__builtin_memcpy(id->saddr, &ip.saddr, 4);
		__builtin_memcpy(id->daddr, &ip.daddr, 4);
		if (th == (__u16)~0U)
			th = nh + ip.ihl * 4;
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr ip6;
		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh) || ip6.nexthdr != IPPROTO_TCP)
			return false;
		id->family = AF_INET6;
		__builtin_memcpy(id->saddr, &ip6.saddr, 16);
		__builtin_memcpy(id->daddr, &ip6.daddr, 16);
		if (th == (__u16)~0U)
			th = nh + sizeof(ip6);
	} else {
		return false;
	}
	struct tcphdr tcp;
	if (bpf_probe_read_kernel(&tcp, sizeof(tcp), head + th))
		return false;
	id->sport = bpf_ntohs(tcp.source);
	id->dport = bpf_ntohs(tcp.dest);
	/* tcp_flag_byte(th) of include/net/tcp.h. */
	id->tcp_flags = ((__u8 *)&tcp)[13];
	return true;
}

#define FILL_FROM_PACKET(r, id) do {                \
	(r)->family = (id)->family;                     \
	(r)->sport = (id)->sport;                       \
	(r)->dport = (id)->dport;                       \
	__builtin_memcpy((r)->saddr, (id)->saddr, 16);  \
	__builtin_memcpy((r)->daddr, (id)->daddr, 16);  \
	(r)->saddr_len = 16;                            \
	(r)->daddr_len = 16;                            \
} while (0)

static __always_inline int on_reset(struct sock *sk, struct sk_buff *skb, __u8 direction)
{
	struct tcp_reset_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_CURRENT(r, EVENT_TCP_RESET);
	r->direction = direction;
	if (sk) {
		FILL_FROM_SOCK(r, sk);
		r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	} else {
		/* A reset sent for no socket answers the packet `skb`: its destination is our side. */
		struct pkt_id id;
		r->skaddr = 0;
		r->state = 0;
		if (skb && parse_tcp_packet(skb, &id)) {
			r->family = id.family;
			r->sport = id.dport;
			r->dport = id.sport;
			__builtin_memcpy(r->saddr, id.daddr, 16);
			__builtin_memcpy(r->daddr, id.saddr, 16);
		} else {
			r->family = 0;
			r->sport = r->dport = 0;
			__builtin_memset(r->saddr, 0, 16);
			__builtin_memset(r->daddr, 0, 16);
		}
		r->saddr_len = 16;
		r->daddr_len = 16;
	}
	submit(r);
	return 0;
}
DUAL_TP(tcp_send_reset, on_reset((struct sock *)sk, (struct sk_buff *)skb, 1), const struct sock *sk, const struct sk_buff *skb, const enum sk_rst_reason reason)
DUAL_TP(tcp_receive_reset, on_reset(sk, NULL, 2), struct sock *sk)

static __always_inline int on_drop(void *ctx, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	if (reason <= SKB_DROP_REASON_NOT_SPECIFIED)
		return 0;
	struct pkt_id id;
	struct sock *sk = BPF_CORE_READ(skb, sk);
	bool packet = parse_tcp_packet(skb, &id);
	/* A TCP socket's own skb with no headers built yet (its write and retransmit queues,
	 * purged when it closes) is a TCP drop too, which tcpdrop prints: kept with the socket's
	 * addresses. */
	if (!packet && (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP))
		return 0;
	struct skb_drop_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_CURRENT(r, EVENT_SKB_DROP);
	if (packet) {
		FILL_FROM_PACKET(r, &id);
	} else {
		FILL_FROM_SOCK(r, sk);
		id.tcp_flags = 0;
	}
	r->skaddr = (__u64)sk;
	r->state = sk ? BPF_CORE_READ(sk, __sk_common.skc_state) : 0;
	r->reason = reason;
	r->location = (__u64)location;
	r->tcp_flags = id.tcp_flags;
	/* The socket's own identity, which tcpdrop.bt prints and bcc tcpdrop takes the family
	 * (and an IPv6 drop's addresses) from: a listener's, not the packet's, for a SYN. */
	__builtin_memset(r->sk_saddr, 0, 16);
	__builtin_memset(r->sk_daddr, 0, 16);
	r->sk_saddr_len = 16;
	r->sk_daddr_len = 16;
	r->sk_family = sk ? BPF_CORE_READ(sk, __sk_common.skc_family) : 0;
	r->sk_sport = sk ? BPF_CORE_READ(sk, __sk_common.skc_num) : 0;
	r->sk_dport = sk ? bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)) : 0;
	if (r->sk_family == AF_INET6) {
		BPF_CORE_READ_INTO(&r->sk_saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&r->sk_daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else if (r->sk_family == AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)r->sk_saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)r->sk_daddr, sk, __sk_common.skc_daddr);
	}
	/* Drops are rare next to the packets they belong to, and each stack says where the
	 * kernel dropped it: taken for every row, as bcc tcpdrop takes one per drop. */
	r->kstack_len = stack_bytes(bpf_get_stack(ctx, r->kstack, sizeof(r->kstack), 0));
	submit(r);
	return 0;
}
DUAL_TP(kfree_skb, on_drop(ctx, skb, location, reason), struct sk_buff *skb, void *location, enum skb_drop_reason reason, struct sock *rx_sk)
