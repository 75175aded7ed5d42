/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The process filters the receivers push into the kernel (config `pids`,
 * `comms`, `cgroup`): a tunable `filter_<what>_on`, set before load, and a
 * map `filter_<what>` user space fills before attaching. Define
 * FILTER_MAX_ENTRIES (the capacity of `filter_pids` and `filter_comms`,
 * <NAME>_MAX_FILTER of <name>.h) before including this header, and
 * FILTER_CGROUP for the cgroup filter too.
 */
#ifndef EBPF_PIPELINE_FILTERS_BPF_H
#define EBPF_PIPELINE_FILTERS_BPF_H

#include <bpf/bpf_helpers.h>

#ifndef FILTER_MAX_ENTRIES
#error "define FILTER_MAX_ENTRIES (the capacity of the filter maps) before including filters.bpf.h"
#endif

const volatile bool filter_pids_on = false;	/* only the tgids in filter_pids */
const volatile bool filter_comms_on = false;	/* only the comms in filter_comms */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FILTER_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, __u8);
} filter_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FILTER_MAX_ENTRIES);
	__type(key, char[TASK_COMM_LEN]);
	__type(value, __u8);
} filter_comms SEC(".maps");

/* Whether the pid filter lets process `tgid` through. */
static __always_inline bool pid_wanted(__u32 tgid)
{
	return !filter_pids_on || bpf_map_lookup_elem(&filter_pids, &tgid) != NULL;
}

/* Whether the comm filter lets a thread named `comm` (char[TASK_COMM_LEN]) through. */
static __always_inline bool comm_wanted(const char *comm)
{
	return !filter_comms_on || bpf_map_lookup_elem(&filter_comms, comm) != NULL;
}

/* Whether the comm filter lets the current thread through (its name is read only when the filter is on). */
static __always_inline bool current_comm_wanted(void)
{
	char comm[TASK_COMM_LEN];

	if (!filter_comms_on)
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	return bpf_map_lookup_elem(&filter_comms, comm) != NULL;
}

#ifdef FILTER_CGROUP
const volatile bool filter_cgroup_on = false;	/* only tasks under the cgroup in filter_cgroup */

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} filter_cgroup SEC(".maps");

/* Whether the cgroup filter lets the current task through (it is in the cgroup or below it). */
static __always_inline bool cgroup_wanted(void)
{
	return !filter_cgroup_on || bpf_current_task_under_cgroup(&filter_cgroup, 0) == 1;
}
#endif

#endif /* EBPF_PIPELINE_FILTERS_BPF_H */
