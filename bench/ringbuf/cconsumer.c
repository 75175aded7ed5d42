/*
 * The same-run baseline: a C libbpf consumer of stream.bpf.o (through its
 * bpftool skeleton, built by run.js), decoding the same fields into the same
 * running sums as consumer.js. Consumes every POLL_MS (ring_buffer__poll,
 * then ring_buffer__consume for BPF_RB_NO_WAKEUP producers), as the addon's
 * reader thread does. Prints "ready" once attached; when stdin closes, waits
 * until every getppid record is accounted for and prints "result <json>".
 *
 * Usage: cconsumer MODE(0 default,1 nowakeup,2 threshold) PID0 PID1 EXPECTED RING_BYTES POLL_MS GETPPID_NR WAKEUP_BYTES
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "stream.skel.h"


static __u32 pid0, pid1, nr;
static uint64_t records, getppid0, getppid1, other_ids, foreign, bad, gaps, disorder, seq_sum;
static uint64_t last_seq[1024];
static uint64_t t_first, t_last;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int on_record(void *ctx, void *data, size_t size)
{
	const __u32 *u = data;
	(void)ctx;
	records++;
	if (size != 32) {
		bad++;
		return 0;
	}
	__u32 pid = u[2], id = u[3], cpu = u[4] & 1023, seq = u[0];
	seq_sum += seq;
	int64_t g = (int64_t)seq - (int64_t)last_seq[cpu] - 1;
	if (g > 0)
		gaps += g;
	else if (g < 0)
		disorder++;
	last_seq[cpu] = seq;
	if (id == nr) {
		if (pid == pid0)
			getppid0++;
		else if (pid == pid1)
			getppid1++;
		else
			foreign++;
	} else if (pid == pid0 || pid == pid1)
		other_ids++;
	else
		foreign++;
	return 0;
}

static uint64_t percpu_sum(int fd, __u32 slot)
{
	int n = libbpf_num_possible_cpus();
	uint64_t vals[n];
	uint64_t s = 0;
	if (bpf_map_lookup_elem(fd, &slot, vals))
		return 0;
	for (int i = 0; i < n; i++)
		s += vals[i];
	return s;
}

static uint64_t cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

int main(int argc, char **argv)
{
	if (argc < 9) {
		fprintf(stderr, "usage: cconsumer MODE PID0 PID1 EXPECTED RING_BYTES POLL_MS GETPPID_NR WAKEUP_BYTES\n");
		return 2;
	}
	int mode = atoi(argv[1]);
	pid0 = atoi(argv[2]);
	pid1 = atoi(argv[3]);
	uint64_t expected = strtoull(argv[4], NULL, 10);
	__u32 ring = strtoul(argv[5], NULL, 10);
	int poll_ms = atoi(argv[6]);
	nr = atoi(argv[7]);
	uint64_t wakeup_bytes = strtoull(argv[8], NULL, 10);

	struct stream_bpf *skel = stream_bpf__open();
	if (!skel) {
		fprintf(stderr, "open: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->tgids[0] = pid0;
	skel->rodata->tgids[1] = pid1;
	skel->rodata->getppid_nr = nr;
	skel->rodata->wakeup_mode = mode;
	skel->rodata->wakeup_bytes = wakeup_bytes;
	bpf_map__set_max_entries(skel->maps.events, ring);
	if (stream_bpf__load(skel) || stream_bpf__attach(skel)) {
		fprintf(stderr, "load/attach: %s\n", strerror(errno));
		return 1;
	}
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_record, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "ring_buffer__new: %s\n", strerror(errno));
		return 1;
	}
	int drops_fd = bpf_map__fd(skel->maps.drops);
	uint64_t cpu0 = cpu_ns();
	printf("ready\n");
	fflush(stdout);
	int stdin_closed = 0, timed_out = 0;
	uint64_t t_closed = 0, before;
	for (;;) {
		before = records;
		ring_buffer__poll(rb, poll_ms);
		ring_buffer__consume(rb);
		if (records != before) {
			t_last = now_ns();
			if (!t_first)
				t_first = t_last;
		}
		if (!stdin_closed) {
			struct pollfd p = { .fd = 0, .events = POLLIN };
			char buf[64];
			if (poll(&p, 1, 0) > 0 && read(0, buf, sizeof buf) <= 0) {
				stdin_closed = 1;
				t_closed = now_ns();
			}
		}
		if (stdin_closed) {
			if (getppid0 + getppid1 + percpu_sum(drops_fd, 0) >= expected)
				break;
			if (now_ns() - t_closed > 30000000000ull) {
				timed_out = 1;
				break;
			}
		}
	}
	uint64_t done_records = records, done_t_last = t_last;
	bpf_link__destroy(skel->links.stream_enter);
	skel->links.stream_enter = NULL;
	ring_buffer__consume(rb);
	uint64_t cpu = cpu_ns() - cpu0;
	char gp[64];
	if (pid1)
		snprintf(gp, sizeof gp, "%lu,%lu", getppid0, getppid1);
	else
		snprintf(gp, sizeof gp, "%lu", getppid0);
	printf("result {\"records\":%lu,\"recordsAfterClose\":%lu,\"readerDelivered\":%lu,\"batches\":0,\"getppid\":[%s],"
	       "\"otherIds\":%lu,\"foreign\":%lu,\"bad\":%lu,\"gaps\":%lu,\"disorder\":%lu,\"seqSum\":%lu,"
	       "\"drops\":[%lu,%lu],\"attempted\":%lu,\"tFirst\":\"%lu\",\"tLast\":\"%lu\",\"decodeNs\":0,\"cpuNs\":%lu,\"timedOut\":%s}\n",
	       done_records, records, records, gp,
	       other_ids, foreign, bad, gaps, disorder, seq_sum, percpu_sum(drops_fd, 0), percpu_sum(drops_fd, 1),
	       percpu_sum(bpf_map__fd(skel->maps.seqs), 0), t_first, done_t_last, cpu, timed_out ? "true" : "false");
	ring_buffer__free(rb);
	stream_bpf__destroy(skel);
	return 0;
}
