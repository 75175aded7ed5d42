/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Records shared by security.bpf.c and receivers/security/ (layout.ts).
 * Fixed-width fields, explicit padding: test/bpf/security-layout.test.ts
 * checks that every offset and size here equals receivers/security/layout.ts.
 */
#ifndef EBPF_PIPELINE_SECURITY_H
#define EBPF_PIPELINE_SECURITY_H

#define SEC_COMM_LEN 16
/* Bytes of each string of an event (paths, names), NUL included. */
#define SEC_STR_LEN 256
/* Strings an event carries at most (mount: source, target, fs type). */
#define SEC_N_STRS 3
/* Most argv bytes an exec event carries (the config's max_args_bytes is at most this). */
#define SEC_MAX_ARGS_BYTES 4096
/* Syscall ids are below this: entries of the `sc_handler` table. */
#define SEC_MAX_SYSCALL_ID 512
/* Watched path prefixes the `watched_prefixes` LPM trie holds at most. */
#define SEC_MAX_PREFIXES 256

/* Event kinds (struct sec_event.kind). */
#define SEC_EV_EXEC 1
#define SEC_EV_EXIT 2
#define SEC_EV_FORK 3
#define SEC_EV_OPEN 4
#define SEC_EV_CHMOD 5
#define SEC_EV_PRIV 6
#define SEC_EV_PTRACE 7
#define SEC_EV_MODULE 8
#define SEC_EV_BPF 9
#define SEC_EV_MOUNT 10
#define SEC_EV_NS 11
#define SEC_EV_MEMFD 12
#define SEC_EV_CONNECT 13
#define SEC_EV_SOCKET 14
#define SEC_EV_DUP 15
#define SEC_N_KINDS 16

/* What to do at a syscall's enter (`sc_handler`, by syscall id; 0: nothing). */
#define SEC_SC_OPEN 1
#define SEC_SC_OPENAT 2
#define SEC_SC_OPENAT2 3
#define SEC_SC_CREAT 4
#define SEC_SC_CHMOD 5
#define SEC_SC_FCHMOD 6
#define SEC_SC_FCHMODAT 7
#define SEC_SC_SETUID 8
#define SEC_SC_SETGID 9
#define SEC_SC_SETREUID 10
#define SEC_SC_SETREGID 11
#define SEC_SC_SETRESUID 12
#define SEC_SC_SETRESGID 13
#define SEC_SC_CAPSET 14
#define SEC_SC_PTRACE 15
#define SEC_SC_INIT_MODULE 16
#define SEC_SC_FINIT_MODULE 17
#define SEC_SC_BPF 18
#define SEC_SC_MOUNT 19
#define SEC_SC_UNSHARE 20
#define SEC_SC_SETNS 21
#define SEC_SC_MEMFD_CREATE 22
#define SEC_SC_CONNECT 23
#define SEC_SC_SOCKET 24
#define SEC_SC_DUP2 25
#define SEC_SC_DUP3 26

/* Drop reasons; `drops` is indexed by reason * SEC_N_KINDS + kind. */
#define SEC_DROP_RINGBUF_FULL 0
#define SEC_DROP_RATE_LIMITED 1
#define SEC_DROP_STASH_FULL 2
#define SEC_N_DROP_REASONS 3

/*
 * One event. Records of the `events` ring buffer are this struct cut after
 * its last used string (SEC_EVENT_HEADER_SIZE + n * SEC_STR_LEN bytes); an
 * exec record is the whole struct followed by args_len bytes of argv
 * (NUL-separated). args[] by kind:
 *   exec:    [0] argv bytes in the process (args_len may be less),
 *            [1] time of the exec, CLOCK_BOOTTIME
 *   exit:    [0] exit_code (status << 8 | signal), [1] ns alive
 *   fork:    (pid: the child, ppid: the parent)
 *   open:    [0] O_* flags, [1] mode
 *   chmod:   [0] mode, [1] fd (fchmod) or dirfd
 *   priv:    [0] euid before, [1] euid asked (-1: unchanged), [2] egid before,
 *            [3] egid asked (-1: unchanged), [4] capset: new effective set
 *   ptrace:  [0] request, [1] target pid
 *   module:  [0] fd (finit_module) or image length (init_module)
 *   bpf:     [0] program type, [1] instruction count
 *   mount:   [0] flags
 *   ns:      [0] CLONE_NEW* flags, [1] fd (setns)
 *   memfd:   [0] flags
 *   connect: [0] fd, [1] family, [2] port, [3..4] address (16 bytes), [5] socket type
 *   socket:  [0] type, [1] protocol, [2] family
 *   dup:     [0] old fd, [1] new fd, [2] socket type of the old fd, [3] its family (AF_*)
 * Strings: exec: [0] filename, [1] the executable's file name (memfd:...);
 * open, chmod: [0] path; module: [0] file name (finit) / [1] params;
 * bpf: [0] program name; mount: [0] source [1] target [2] fs type;
 * memfd: [0] name.
 */
struct sec_event {
	__u64 time_ns;		/* CLOCK_MONOTONIC */
	__u64 start_boot_ns;	/* the process's start (group leader), CLOCK_BOOTTIME */
	__u64 cgroup_id;	/* cgroup v2 id (inode) */
	__s64 ret;		/* the syscall's result (0 for sched events) */
	__u64 args[6];
	__u32 kind;		/* SEC_EV_* */
	__u32 handler;		/* SEC_SC_* (0: a sched event) */
	__u32 syscall_id;
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 euid;
	__u32 gid;
	__u32 egid;
	__u32 args_len;		/* exec: argv bytes after the struct */
	__u32 _pad;
	char comm[SEC_COMM_LEN];
	char str[SEC_N_STRS][SEC_STR_LEN];
};

/* Bytes of struct sec_event before `str`. */
#define SEC_EVENT_HEADER_SIZE 144

/* Key of the `watched_prefixes` LPM trie: prefixlen in bits, the path bytes. */
struct sec_prefix_key {
	__u32 prefixlen;
	char path[SEC_STR_LEN];
};

/* Value of `rate` (LRU hash by tgid << 32 | kind): a token bucket in 1e-9 events. */
struct sec_bucket {
	__u64 tokens;
	__u64 last_ns;
};

#endif /* EBPF_PIPELINE_SECURITY_H */
