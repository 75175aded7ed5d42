// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The security receiver's kernel side: process lifecycle (exec, fork, exit
 * from the sched tracepoints) and security-relevant system calls (opens of
 * watched paths, chmod, set*id, capset, ptrace, module and BPF loads, mount,
 * namespaces, memfd, connect, packet sockets, dup of a socket onto stdio),
 * streamed through the `events` ring buffer to receivers/security.
 *
 * Syscalls: one tp_btf program on sys_enter and one on sys_exit (no tracefs
 * needed); `sc_handler` (set by user space from the syscall table of the
 * running architecture) says what to do for an id, so every other syscall
 * costs one array read. At enter the arguments (paths read from user
 * memory) are stashed per thread in `stash`; at exit the stashed event gets
 * the result and goes to the ring buffer. A call that is not reported (an
 * unwatched path: most opens) ends at enter; its exit finds `stashed` at 0
 * (usually) and does no lookup. Every program also comes as raw_tp, the
 * fallback user space loads when the kernel refuses tp_btf.
 *
 * bench/security/parts.js measures what each of these steps costs.
 *
 * In the kernel: the path prefix match of file.open (LPM trie
 * `watched_prefixes`), a token bucket per process and event kind (`rate`, LRU), and
 * every loss counted in the per-CPU `drops` array by reason and kind.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "security.h"
/* Losses by reason * SEC_N_KINDS + kind (count_event_drop). */
#define DROPS_MAX_ENTRIES (SEC_N_DROP_REASONS * SEC_N_KINDS)
#include "drops.bpf.h"
#include "ringbuf.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define AF_PACKET 17
#define BPF_PROG_LOAD_CMD 5
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
/* CLONE_NEWTIME | NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET */
#define CLONE_NEW_MASK (0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000)

/* Tunables, set before load (receivers/security/receiver.ts). */
const volatile __u32 self_pid = 0;		/* syscalls of this tgid are not reported (0: none) */
const volatile __u32 max_args_bytes = 1024;	/* argv bytes of an exec event, <= SEC_MAX_ARGS_BYTES */
const volatile __u64 rate_per_sec = 0;		/* events/s per process (0: no limit) */
const volatile __u64 rate_burst = 0;		/* bucket size, events */
const volatile bool exit_events = true;		/* stream exits (the process table needs them) */
const volatile __u8 sc_handler[SEC_MAX_SYSCALL_ID] = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} events SEC(".maps");

/* The event of the syscall in progress, by thread (pid_tgid). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct sec_event);
} stash SEC(".maps");

/*
 * Events in `stash` (a hint, never below the truth): while it is 0, sys_exit
 * returns without a hash lookup, so an open of an unwatched path costs no
 * work at its exit.
 */
__u64 stashed = 0;

/* Stashes the event of the calling thread's syscall; false when `stash` is full. */
static __always_inline bool stash_event(__u64 pid_tgid, struct sec_event *ev)
{
	if (bpf_map_update_elem(&stash, &pid_tgid, ev, BPF_ANY))
		return false;
	__sync_fetch_and_add(&stashed, 1);
	return true;
}

/* Forgets the thread's stashed event, if any. */
static __always_inline void unstash(__u64 pid_tgid)
{
	if (stashed && !bpf_map_delete_elem(&stash, &pid_tgid))
		__sync_fetch_and_add(&stashed, -1);
}

/* Token buckets by (tgid << 32 | kind): a flood of one kind does not hide another. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct sec_bucket);
} rate SEC(".maps");

/* Path prefixes whose opens are reported (value unused). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SEC_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sec_prefix_key);
	__type(value, __u8);
} watched_prefixes SEC(".maps");

/* Where an event is built (too big for the stack). */
struct sec_exec_record {
	struct sec_event ev;
	char args[SEC_MAX_ARGS_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sec_exec_record);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sec_prefix_key);
} path_scratch SEC(".maps");

/* Keeps the structs in the object's BTF (the layout test reads them there). */
struct sec_event *unused_sec_event __attribute__((unused));
struct sec_prefix_key *unused_sec_prefix_key __attribute__((unused));
struct sec_bucket *unused_sec_bucket __attribute__((unused));

/* Counts one event of `kind` lost for `reason` (SEC_DROP_*). */
static __always_inline void count_event_drop(__u32 reason, __u32 kind)
{
	count_drop(reason * SEC_N_KINDS + kind);
}

/* Whether the process may send one more event of this kind now (token bucket). */
static __always_inline bool rate_allows(__u32 tgid, __u32 kind)
{
	const __u64 unit = 1000000000ULL;
	struct sec_bucket *b, fresh;
	__u64 now, elapsed, cap, key = ((__u64)tgid << 32) | kind;

	if (!rate_per_sec)
		return true;
	now = bpf_ktime_get_ns();
	cap = rate_burst * unit;
	b = bpf_map_lookup_elem(&rate, &key);
	if (!b) {
		fresh.tokens = cap - unit;
		fresh.last_ns = now;
		bpf_map_update_elem(&rate, &key, &fresh, BPF_ANY);
		return true;
	}
	elapsed = now > b->last_ns ? now - b->last_ns : 0;
	if (elapsed > 10 * unit)
		elapsed = 10 * unit;
	b->last_ns = now;
	b->tokens += elapsed * rate_per_sec;
	if (b->tokens > cap)
		b->tokens = cap;
	if (b->tokens < unit) {
		count_event_drop(SEC_DROP_RATE_LIMITED, kind);
		return false;
	}
	b->tokens -= unit;
	return true;
}

static __always_inline struct sec_exec_record *scratch_record(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/* Clears what the kind-specific part fills (arguments and strings). */
static __always_inline void clear_payload(struct sec_event *ev)
{
	for (int i = 0; i < 6; i++)
		ev->args[i] = 0;
	ev->str[0][0] = 0;
	ev->str[1][0] = 0;
	ev->str[2][0] = 0;
}

/* The header of an event by the current task (the payload is left alone). */
static __always_inline void fill_header(struct sec_event *ev, __u32 kind, __u64 pid_tgid)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	ev->time_ns = bpf_ktime_get_ns();
	ev->start_boot_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->ret = 0;
	ev->kind = kind;
	ev->handler = 0;
	ev->syscall_id = 0;
	ev->pid = pid_tgid >> 32;
	ev->tid = (__u32)pid_tgid;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->uid = BPF_CORE_READ(task, cred, uid.val);
	ev->euid = BPF_CORE_READ(task, cred, euid.val);
	ev->gid = BPF_CORE_READ(task, cred, gid.val);
	ev->egid = BPF_CORE_READ(task, cred, egid.val);
	ev->args_len = 0;
	ev->_pad = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
}

static __always_inline void output(void *data, __u64 size, __u32 kind)
{
	if (bpf_ringbuf_output(&events, data, size, wakeup_flags(&events)))
		count_event_drop(SEC_DROP_RINGBUF_FULL, kind);
}

/* Bytes of a record of this kind: the header and the strings it uses. */
static __always_inline __u64 record_size(__u32 kind)
{
	switch (kind) {
	case SEC_EV_MOUNT:
		return SEC_EVENT_HEADER_SIZE + 3 * SEC_STR_LEN;
	case SEC_EV_MODULE:
	case SEC_EV_EXEC:
		return SEC_EVENT_HEADER_SIZE + 2 * SEC_STR_LEN;
	case SEC_EV_OPEN:
	case SEC_EV_CHMOD:
	case SEC_EV_BPF:
	case SEC_EV_MEMFD:
		return SEC_EVENT_HEADER_SIZE + SEC_STR_LEN;
	default:
		return SEC_EVENT_HEADER_SIZE;
	}
}

/* ---- process lifecycle ---- */

static __always_inline int on_exec(struct task_struct *p, struct linux_binprm *bprm)
{
	struct sec_exec_record *r = scratch_record();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	unsigned long arg_start, arg_end;
	__u64 len;

	if (!r)
		return 0;
	if (!rate_allows(pid_tgid >> 32, SEC_EV_EXEC))
		return 0;
	clear_payload(&r->ev);
	fill_header(&r->ev, SEC_EV_EXEC, pid_tgid);
	bpf_probe_read_kernel_str(r->ev.str[0], SEC_STR_LEN, BPF_CORE_READ(bprm, filename));
	bpf_probe_read_kernel_str(r->ev.str[1], SEC_STR_LEN, BPF_CORE_READ(p, mm, exe_file, f_path.dentry, d_name.name));
	arg_start = BPF_CORE_READ(p, mm, arg_start);
	arg_end = BPF_CORE_READ(p, mm, arg_end);
	len = arg_end > arg_start ? arg_end - arg_start : 0;
	r->ev.args[0] = len;
	r->ev.args[1] = bpf_ktime_get_boot_ns();
	if (len > max_args_bytes)
		len = max_args_bytes;
	if (len > SEC_MAX_ARGS_BYTES)
		len = SEC_MAX_ARGS_BYTES;
	if (len && bpf_probe_read_user(r->args, len, (void *)arg_start))
		len = 0;
	r->ev.args_len = len;
	output(r, sizeof(r->ev) + len, SEC_EV_EXEC);
	return 0;
}

static __always_inline int on_fork(struct task_struct *child)
{
	struct sec_exec_record *r;
	__u32 pid = BPF_CORE_READ(child, pid), tgid = BPF_CORE_READ(child, tgid);

	if (pid != tgid) /* a thread, not a process */
		return 0;
	r = scratch_record();
	if (!r)
		return 0;
	clear_payload(&r->ev);
	fill_header(&r->ev, SEC_EV_FORK, bpf_get_current_pid_tgid());
	r->ev.ppid = r->ev.pid;
	r->ev.pid = tgid;
	r->ev.tid = pid;
	r->ev.start_boot_ns = BPF_CORE_READ(child, start_boottime);
	output(&r->ev, SEC_EVENT_HEADER_SIZE, SEC_EV_FORK);
	return 0;
}

static __always_inline int on_exit(struct task_struct *p, bool group_dead)
{
	struct sec_exec_record *r;
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	/* A thread that died in a syscall leaves no stashed event behind. */
	unstash(pid_tgid);
	if (!group_dead || !exit_events)
		return 0;
	r = scratch_record();
	if (!r)
		return 0;
	clear_payload(&r->ev);
	fill_header(&r->ev, SEC_EV_EXIT, pid_tgid);
	r->ev.args[0] = BPF_CORE_READ(p, exit_code);
	r->ev.args[1] = bpf_ktime_get_boot_ns() - r->ev.start_boot_ns;
	output(&r->ev, SEC_EVENT_HEADER_SIZE, SEC_EV_EXIT);
	return 0;
}

/*
 * The lifecycle programs, in two variants with the same bodies: tp_btf (the
 * default) and raw_tp (the fallback where the kernel refuses tp_btf); user
 * space loads one of them (receivers/security/receiver.ts).
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sec_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(p, bprm);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sec_fork, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(child);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sec_exit, struct task_struct *p, bool group_dead)
{
	return on_exit(p, group_dead);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(sec_raw_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(p, bprm);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(sec_raw_fork, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(child);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(sec_raw_exit, struct task_struct *p, bool group_dead)
{
	return on_exit(p, group_dead);
}

/* ---- system calls ---- */

/* The open file at `fd` of the current task, or NULL. */
static __always_inline struct file *fd_file(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* The socket of `fd`, or NULL when it is not a socket. */
static __always_inline struct socket *fd_socket(long fd)
{
	struct file *f = fd_file(fd);

	if (!f)
		return NULL;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

/* The socket type (SOCK_STREAM, ...) of `fd`, or -1 when it is not a socket. */
static __always_inline long socket_type(long fd)
{
	struct socket *sock = fd_socket(fd);

	return sock ? BPF_CORE_READ(sock, type) : -1;
}

/*
 * Reads a user path into `path_scratch` and looks it up in the watched
 * prefixes. The path stays there: the event takes it (copy_watched_path)
 * only once the rate limit let it through.
 */
static __always_inline bool watched_path(const char *upath)
{
	__u32 zero = 0;
	struct sec_prefix_key *key = bpf_map_lookup_elem(&path_scratch, &zero);
	long n;

	if (!key)
		return false;
	n = bpf_probe_read_user_str(key->path, SEC_STR_LEN, upath);
	if (n <= 1)
		return false;
	key->prefixlen = (n - 1) * 8;
	return bpf_map_lookup_elem(&watched_prefixes, key) != NULL;
}

/* Copies the path watched_path() matched into the event (same CPU, same program run). */
static __always_inline void copy_watched_path(char *dst)
{
	__u32 zero = 0;
	struct sec_prefix_key *key = bpf_map_lookup_elem(&path_scratch, &zero);

	if (key)
		bpf_probe_read_kernel(dst, SEC_STR_LEN, key->path);
}

static __always_inline __u32 handler_kind(__u32 h)
{
	switch (h) {
	case SEC_SC_OPEN: case SEC_SC_OPENAT: case SEC_SC_OPENAT2: case SEC_SC_CREAT:
		return SEC_EV_OPEN;
	case SEC_SC_CHMOD: case SEC_SC_FCHMOD: case SEC_SC_FCHMODAT:
		return SEC_EV_CHMOD;
	case SEC_SC_SETUID: case SEC_SC_SETGID: case SEC_SC_SETREUID: case SEC_SC_SETREGID:
	case SEC_SC_SETRESUID: case SEC_SC_SETRESGID: case SEC_SC_CAPSET:
		return SEC_EV_PRIV;
	case SEC_SC_PTRACE:
		return SEC_EV_PTRACE;
	case SEC_SC_INIT_MODULE: case SEC_SC_FINIT_MODULE:
		return SEC_EV_MODULE;
	case SEC_SC_BPF:
		return SEC_EV_BPF;
	case SEC_SC_MOUNT:
		return SEC_EV_MOUNT;
	case SEC_SC_UNSHARE: case SEC_SC_SETNS:
		return SEC_EV_NS;
	case SEC_SC_MEMFD_CREATE:
		return SEC_EV_MEMFD;
	case SEC_SC_CONNECT:
		return SEC_EV_CONNECT;
	case SEC_SC_SOCKET:
		return SEC_EV_SOCKET;
	case SEC_SC_DUP2: case SEC_SC_DUP3:
		return SEC_EV_DUP;
	default:
		return 0;
	}
}

/*
 * Fills the kind-specific part from the syscall arguments; false when the
 * call is not one to report (an unwatched path, a socket of another family...).
 */
static __always_inline bool fill_syscall(struct sec_event *ev, __u32 h, unsigned long a0, unsigned long a1,
					 unsigned long a2, unsigned long a3)
{
	struct task_struct *task;

	switch (h) {
	case SEC_SC_OPEN:
		ev->args[0] = a1;
		ev->args[1] = a2;
		return watched_path((const char *)a0);
	case SEC_SC_CREAT:
		ev->args[0] = O_CREAT | O_WRONLY | O_TRUNC;
		ev->args[1] = a1;
		return watched_path((const char *)a0);
	case SEC_SC_OPENAT:
		ev->args[0] = a2;
		ev->args[1] = a3;
		return watched_path((const char *)a1);
	case SEC_SC_OPENAT2: {
		__u64 how[2] = {};

		bpf_probe_read_user(how, sizeof(how), (void *)a2);
		ev->args[0] = how[0];
		ev->args[1] = how[1];
		return watched_path((const char *)a1);
	}
	case SEC_SC_CHMOD:
		ev->args[0] = a1;
		ev->args[1] = (__u64)-100; /* AT_FDCWD */
		bpf_probe_read_user_str(ev->str[0], SEC_STR_LEN, (const char *)a0);
		return true;
	case SEC_SC_FCHMOD:
		ev->args[0] = a1;
		ev->args[1] = a0;
		return true;
	case SEC_SC_FCHMODAT:
		ev->args[0] = a2;
		ev->args[1] = a0;
		bpf_probe_read_user_str(ev->str[0], SEC_STR_LEN, (const char *)a1);
		return true;
	case SEC_SC_SETUID: case SEC_SC_SETGID: case SEC_SC_SETREUID: case SEC_SC_SETREGID:
	case SEC_SC_SETRESUID: case SEC_SC_SETRESGID: case SEC_SC_CAPSET:
		task = (struct task_struct *)bpf_get_current_task();
		ev->args[0] = BPF_CORE_READ(task, cred, euid.val);
		ev->args[1] = (__u32)-1;
		ev->args[2] = BPF_CORE_READ(task, cred, egid.val);
		ev->args[3] = (__u32)-1;
		if (h == SEC_SC_SETUID)
			ev->args[1] = (__u32)a0;
		else if (h == SEC_SC_SETREUID || h == SEC_SC_SETRESUID)
			ev->args[1] = (__u32)a1;
		else if (h == SEC_SC_SETGID)
			ev->args[3] = (__u32)a0;
		else if (h == SEC_SC_SETREGID || h == SEC_SC_SETRESGID)
			ev->args[3] = (__u32)a1;
		else {
			/* struct __user_cap_data_struct[2]: effective, permitted, inheritable */
			__u32 data[6] = {};

			bpf_probe_read_user(data, sizeof(data), (void *)a1);
			ev->args[4] = data[0] | ((__u64)data[3] << 32);
		}
		return true;
	case SEC_SC_PTRACE:
		ev->args[0] = a0;
		ev->args[1] = a1;
		return true;
	case SEC_SC_INIT_MODULE:
		ev->args[0] = a1;
		bpf_probe_read_user_str(ev->str[1], SEC_STR_LEN, (const char *)a2);
		return true;
	case SEC_SC_FINIT_MODULE: {
		struct file *f = fd_file(a0);

		ev->args[0] = a0;
		if (f)
			bpf_probe_read_kernel_str(ev->str[0], SEC_STR_LEN, BPF_CORE_READ(f, f_path.dentry, d_name.name));
		bpf_probe_read_user_str(ev->str[1], SEC_STR_LEN, (const char *)a1);
		return true;
	}
	case SEC_SC_BPF: {
		__u32 head[2] = {};

		if (a0 != BPF_PROG_LOAD_CMD)
			return false;
		bpf_probe_read_user(head, sizeof(head), (void *)a1);
		ev->args[0] = head[0];
		ev->args[1] = head[1];
		/* union bpf_attr: prog_name[16] at offset 48 */
		if (a2 >= 64)
			bpf_probe_read_user(ev->str[0], 16, (void *)(a1 + 48));
		ev->str[0][15] = 0;
		return true;
	}
	case SEC_SC_MOUNT:
		ev->args[0] = a3;
		bpf_probe_read_user_str(ev->str[0], SEC_STR_LEN, (const char *)a0);
		bpf_probe_read_user_str(ev->str[1], SEC_STR_LEN, (const char *)a1);
		bpf_probe_read_user_str(ev->str[2], SEC_STR_LEN, (const char *)a2);
		return true;
	case SEC_SC_UNSHARE:
		ev->args[0] = a0;
		return (a0 & CLONE_NEW_MASK) != 0;
	case SEC_SC_SETNS:
		ev->args[0] = a1;
		ev->args[1] = a0;
		return true;
	case SEC_SC_MEMFD_CREATE:
		ev->args[0] = a1;
		bpf_probe_read_user_str(ev->str[0], SEC_STR_LEN, (const char *)a0);
		return true;
	case SEC_SC_CONNECT: {
		__u16 family = 0, port = 0;

		bpf_probe_read_user(&family, sizeof(family), (void *)a1);
		if (family != AF_INET && family != AF_INET6)
			return false;
		bpf_probe_read_user(&port, sizeof(port), (void *)(a1 + 2));
		ev->args[0] = a0;
		ev->args[1] = family;
		ev->args[2] = bpf_ntohs(port);
		if (family == AF_INET)
			bpf_probe_read_user(&ev->args[3], 4, (void *)(a1 + 4));
		else
			bpf_probe_read_user(&ev->args[3], 16, (void *)(a1 + 8));
		ev->args[5] = socket_type(a0);
		return true;
	}
	case SEC_SC_SOCKET:
		if (a0 != AF_PACKET)
			return false;
		ev->args[0] = a1;
		ev->args[1] = a2;
		ev->args[2] = a0;
		return true;
	case SEC_SC_DUP2: case SEC_SC_DUP3: {
		struct socket *sock;

		if (a1 > 2)
			return false;
		sock = fd_socket(a0);
		if (!sock)
			return false;
		ev->args[0] = a0;
		ev->args[1] = a1;
		ev->args[2] = BPF_CORE_READ(sock, type);
		ev->args[3] = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
		return true;
	}
	default:
		(void)task;
		return false;
	}
}

/* The syscall number at sys_exit, from the saved registers. */
#if defined(__TARGET_ARCH_x86)
#define REGS_SYSCALL_NR_FIELD orig_ax
#elif defined(__TARGET_ARCH_arm64)
#define REGS_SYSCALL_NR_FIELD syscallno
#else
#error "security.bpf.c: the syscall number register is only known for x86 and arm64"
#endif
#define REGS_SYSCALL_NR(regs) ((regs)->REGS_SYSCALL_NR_FIELD)

static __always_inline __u32 handler_of(long id)
{
	__u32 i;

	if (id < 0 || id >= SEC_MAX_SYSCALL_ID)
		return 0;
	i = id;
	barrier_var(i);
	return sc_handler[i & (SEC_MAX_SYSCALL_ID - 1)];
}

/* At a handled syscall's enter: builds its event and stashes it for the exit. */
static __always_inline int on_sys_enter(__u32 h, long id, unsigned long a0, unsigned long a1, unsigned long a2,
					unsigned long a3)
{
	struct sec_exec_record *r;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 kind;

	if (self_pid && (pid_tgid >> 32) == self_pid)
		return 0;
	kind = handler_kind(h);
	r = scratch_record();
	if (!r)
		return 0;
	/* The arguments first: most calls (an unwatched path) end here. */
	clear_payload(&r->ev);
	if (!fill_syscall(&r->ev, h, a0, a1, a2, a3))
		return 0;
	if (!rate_allows(pid_tgid >> 32, kind))
		return 0;
	if (kind == SEC_EV_OPEN)
		copy_watched_path(r->ev.str[0]);
	fill_header(&r->ev, kind, pid_tgid);
	r->ev.handler = h;
	r->ev.syscall_id = id;
	if (!stash_event(pid_tgid, &r->ev))
		count_event_drop(SEC_DROP_STASH_FULL, kind);
	return 0;
}

/* At a handled syscall's exit: the stashed event gets the result and goes out. */
static __always_inline int on_sys_exit(long ret)
{
	struct sec_event *ev;
	__u64 pid_tgid;

	if (!stashed)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	ev = bpf_map_lookup_elem(&stash, &pid_tgid);
	if (!ev)
		return 0;
	ev->ret = ret;
	output(ev, record_size(ev->kind), ev->kind);
	unstash(pid_tgid);
	return 0;
}

/*
 * The syscall programs. tp_btf: the registers are read directly (a BTF
 * pointer); raw_tp, the fallback: through bpf_probe_read_kernel (CO-RE).
 * Every other syscall costs the hook and one read of `sc_handler`.
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(sec_sys_enter, struct pt_regs *regs, long id)
{
	__u32 h = handler_of(id);

	if (!h)
		return 0;
	return on_sys_enter(h, id, PT_REGS_PARM1_SYSCALL(regs), PT_REGS_PARM2_SYSCALL(regs),
			    PT_REGS_PARM3_SYSCALL(regs), PT_REGS_PARM4_SYSCALL(regs));
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sec_sys_exit, struct pt_regs *regs, long ret)
{
	if (!handler_of(REGS_SYSCALL_NR(regs)))
		return 0;
	return on_sys_exit(ret);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sec_rsys_enter, struct pt_regs *regs, long id)
{
	__u32 h = handler_of(id);

	if (!h)
		return 0;
	return on_sys_enter(h, id, PT_REGS_PARM1_CORE_SYSCALL(regs), PT_REGS_PARM2_CORE_SYSCALL(regs),
			    PT_REGS_PARM3_CORE_SYSCALL(regs), PT_REGS_PARM4_CORE_SYSCALL(regs));
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sec_rsys_exit, struct pt_regs *regs, long ret)
{
	if (!handler_of(BPF_CORE_READ(regs, REGS_SYSCALL_NR_FIELD)))
		return 0;
	return on_sys_exit(ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
