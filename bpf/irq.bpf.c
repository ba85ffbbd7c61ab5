/* irq family: hard and soft interrupts, on the tracepoints libbpf-tools hardirqs and softirqs
 * use (tp_btf, raw_tp fallback). Interrupts belong to no process: nothing is filtered, the
 * recorder's own interrupted moments included. */
#include "common.bpf.h"

#define FAMILY BPFREC_FAMILY_IRQ

#define FILL_IRQ_HEADER(r, kind) do {                        \
	__u64 pt = bpf_get_current_pid_tgid();                   \
	FILL_HEADER(r, kind, pt >> 32, (__u32)pt);               \
} while (0)

static __always_inline int on_irq_entry(bool btf, int irq, struct irqaction *action)
{
	struct irq_handler_entry_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_IRQ_HEADER(r, EVENT_IRQ_HANDLER_ENTRY);
	r->irq = irq;
	/* hardirqs' irq_key: bpf_probe_read_kernel_str of action->name into char[32]. */
	if (bpf_probe_read_kernel_str(r->name, sizeof(r->name), BPF_CORE_READ(action, name)) < 0)
		r->name[0] = 0;
	submit(r);
	return 0;
}
DUAL_TP(irq_handler_entry, on_irq_entry(is_btf, irq, action), int irq, struct irqaction *action)

static __always_inline int on_irq_exit(bool btf, int irq, struct irqaction *action, int ret)
{
	struct irq_handler_exit_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_IRQ_HEADER(r, EVENT_IRQ_HANDLER_EXIT);
	r->irq = irq;
	r->ret = ret;
	if (bpf_probe_read_kernel_str(r->name, sizeof(r->name), BPF_CORE_READ(action, name)) < 0)
		r->name[0] = 0;
	submit(r);
	return 0;
}
DUAL_TP(irq_handler_exit, on_irq_exit(is_btf, irq, action, ret), int irq, struct irqaction *action, int ret)

/* The three softirq records share one layout (checked below). */
static __always_inline int on_softirq(__u32 kind, unsigned int vec)
{
	struct softirq_entry_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_IRQ_HEADER(r, kind);
	r->vec = vec;
	submit(r);
	return 0;
}
_Static_assert(sizeof(struct softirq_entry_record) == sizeof(struct softirq_exit_record), "softirq layouts");
_Static_assert(sizeof(struct softirq_entry_record) == sizeof(struct softirq_raise_record), "softirq layouts");
_Static_assert(__builtin_offsetof(struct softirq_entry_record, vec) == __builtin_offsetof(struct softirq_exit_record, vec), "softirq layouts");
_Static_assert(__builtin_offsetof(struct softirq_entry_record, vec) == __builtin_offsetof(struct softirq_raise_record, vec), "softirq layouts");

DUAL_TP(softirq_entry, on_softirq(EVENT_SOFTIRQ_ENTRY, vec_nr), unsigned int vec_nr)
DUAL_TP(softirq_exit, on_softirq(EVENT_SOFTIRQ_EXIT, vec_nr), unsigned int vec_nr)
DUAL_TP(softirq_raise, on_softirq(EVENT_SOFTIRQ_RAISE, vec_nr), unsigned int vec_nr)
