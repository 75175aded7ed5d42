/*
 * Tight getppid(2) loop pinned to one CPU. Prints the mean ns per call
 * twice: "<thread CPU time> <wall time>". CPU time (CLOCK_THREAD_CPUTIME_ID)
 * includes the kernel's work for the call, BPF programs included, but not
 * the time other tasks held the CPU, so it stays meaningful on a busy machine.
 * Usage: getppid [CALLS] [CPU]   (default 5000000 calls on CPU 0)
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 5000000;
	int cpu = argc > 2 ? atoi(argv[2]) : 0;
	cpu_set_t set;
	struct timespec a, b, ca, cb;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		return 1;
	}
	/* Warm up: fault in the page tables and caches. */
	for (long i = 0; i < calls / 10; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ca);
	for (long i = 0; i < calls; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cb);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f %.1f\n", ((cb.tv_sec - ca.tv_sec) * 1e9 + (cb.tv_nsec - ca.tv_nsec)) / calls,
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / calls);
	return 0;
}
