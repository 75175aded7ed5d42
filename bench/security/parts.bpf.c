// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The floor of observing open() on this kernel, for bench/security/parts.js:
 * empty programs on each hook the security receiver could use. The open
 * loop's extra CPU per iteration with one set attached is what that hook
 * costs before the program does anything.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Every syscall: BTF-typed raw tracepoints (what the receiver uses). */
SEC("tp_btf/sys_enter")
int BPF_PROG(btf_enter, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(btf_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

/* Every syscall: untyped raw tracepoints. */
SEC("raw_tp/sys_enter")
int raw_enter(void *ctx)
{
	return 0;
}

SEC("raw_tp/sys_exit")
int raw_exit(void *ctx)
{
	return 0;
}

/* Every syscall: the classic raw_syscalls tracepoints (a perf record per call). */
SEC("tracepoint/raw_syscalls/sys_enter")
int tp_raw_enter(void *ctx)
{
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int tp_raw_exit(void *ctx)
{
	return 0;
}

/* openat only: the classic per-syscall tracepoints. */
SEC("tracepoint/syscalls/sys_enter_openat")
int tp_openat_enter(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int tp_openat_exit(void *ctx)
{
	return 0;
}

/*
 * A per-syscall tracepoint on a syscall the loop never makes: what any
 * enabled syscall tracepoint costs every other syscall (the slow path).
 */
SEC("tracepoint/syscalls/sys_enter_getppid")
int tp_getppid_enter(void *ctx)
{
	return 0;
}

/*
 * The receiver's unwatched-open path, stage by stage, on the tp_btf pair:
 * a handler check at enter and exit (what every syscall pays), then for
 * openat the path read from user memory, then the watched-prefix lookup.
 */
#if defined(__TARGET_ARCH_x86)
#define OPENAT_ID 257
#elif defined(__TARGET_ARCH_arm64)
#define OPENAT_ID 56
#endif

struct path_key {
	__u32 prefixlen;
	char path[256];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_key);
} path_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct path_key);
	__type(value, __u8);
} prefixes SEC(".maps");

/* 1: only openat goes on (the table read of the receiver). */
SEC("tp_btf/sys_enter")
int BPF_PROG(stage_check_enter, struct pt_regs *regs, long id)
{
	return id == OPENAT_ID;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(stage_check_exit, struct pt_regs *regs, long ret)
{
	return regs->orig_ax == OPENAT_ID;
}

static __always_inline struct path_key *read_path(struct pt_regs *regs)
{
	__u32 zero = 0;
	struct path_key *k = bpf_map_lookup_elem(&path_scratch, &zero);
	long n;

	if (!k)
		return 0;
	n = bpf_probe_read_user_str(k->path, sizeof(k->path), (const char *)PT_REGS_PARM2_SYSCALL(regs));
	if (n <= 1)
		return 0;
	k->prefixlen = (n - 1) * 8;
	return k;
}

/* 2: + the path read into a per-CPU key. */
SEC("tp_btf/sys_enter")
int BPF_PROG(stage_read_enter, struct pt_regs *regs, long id)
{
	if (id != OPENAT_ID)
		return 0;
	return read_path(regs) != 0;
}

/* 2b: a fixed 8-byte user read instead of the string read. */
SEC("tp_btf/sys_enter")
int BPF_PROG(stage_read8_enter, struct pt_regs *regs, long id)
{
	__u32 zero = 0;
	struct path_key *k;

	if (id != OPENAT_ID)
		return 0;
	k = bpf_map_lookup_elem(&path_scratch, &zero);
	return k && !bpf_probe_read_user(k->path, 8, (const char *)PT_REGS_PARM2_SYSCALL(regs));
}

/* 3: + the lookup in the prefix trie (parts.js fills it with the receiver's default prefixes). */
SEC("tp_btf/sys_enter")
int BPF_PROG(stage_lpm_enter, struct pt_regs *regs, long id)
{
	struct path_key *k;

	if (id != OPENAT_ID)
		return 0;
	k = read_path(regs);
	return k && bpf_map_lookup_elem(&prefixes, k);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
