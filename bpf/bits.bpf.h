/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Shared BPF helpers: log2 buckets (as in libbpf-tools' bits.bpf.h). */
#ifndef EBPF_PIPELINE_BITS_BPF_H
#define EBPF_PIPELINE_BITS_BPF_H

#include <bpf/bpf_helpers.h>

/* floor(log2(v)) for a 32-bit value, branch-free; log2_u32(0) == 0. */
static __always_inline __u64 log2_u32(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

/* floor(log2(v)) for a 64-bit value; log2_u64(0) == 0. */
static __always_inline __u64 log2_u64(__u64 v)
{
	__u32 hi = v >> 32;

	if (hi)
		return log2_u32(hi) + 32;
	return log2_u32(v);
}

/*
 * The log2 histogram slot of a value: slot i holds [2^i, 2^(i+1)), slot 0
 * also holds 0 and 1, the last slot (n_slots - 1) holds everything above.
 */
static __always_inline __u32 log2_slot(__u64 v, __u32 n_slots)
{
	__u64 slot = log2_u64(v);

	return slot >= n_slots ? n_slots - 1 : (__u32)slot;
}

/*
 * Looks `key` up in a hash map, inserting `init` first when it is absent.
 * Returns NULL when the map is full (the caller counts that as a drop).
 */
static __always_inline void *lookup_or_try_init(void *map, const void *key, const void *init)
{
	void *val;
	long err;

	val = bpf_map_lookup_elem(map, key);
	if (val)
		return val;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: another CPU inserted it first */)
		return NULL;
	return bpf_map_lookup_elem(map, key);
}

#endif /* EBPF_PIPELINE_BITS_BPF_H */
