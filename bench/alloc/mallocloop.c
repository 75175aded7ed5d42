/*
 * A malloc/free-heavy loop for the alloc benchmark, pinned to one CPU.
 * Says "ready PID" and waits for a line on stdin (so a tracer can attach to
 * this pid first), warms up, then runs ITERATIONS of malloc(64 + i % 512)
 * and free, and prints the mean ns per iteration twice: "<thread CPU time>
 * <wall time>". CPU time (CLOCK_THREAD_CPUTIME_ID) includes the uprobe
 * traps and BPF programs run on this thread, but not the time other tasks
 * held the CPU. No stdio before the loop ends (it would allocate).
 * Usage: mallocloop [ITERATIONS] [CPU]
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Written through, so the compiler keeps every malloc/free pair. */
static void *volatile sink;

static void run(long n)
{
	for (long i = 0; i < n; i++) {
		sink = malloc(64 + i % 512);
		free(sink);
	}
}

int main(int argc, char **argv)
{
	long iterations = argc > 1 ? atol(argv[1]) : 100000;
	int cpu = argc > 2 ? atoi(argv[2]) : 0;
	cpu_set_t set;
	struct timespec a, b, ca, cb;
	char line[64], c;
	int len;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return 1;
	len = snprintf(line, sizeof(line), "ready %d\n", getpid());
	if (write(1, line, len) != len)
		return 1;
	while (read(0, &c, 1) == 1 && c != '\n')
		;
	run(iterations / 10);
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ca);
	run(iterations);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cb);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f %.1f\n", ((cb.tv_sec - ca.tv_sec) * 1e9 + (cb.tv_nsec - ca.tv_nsec)) / iterations,
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / iterations);
	return 0;
}
