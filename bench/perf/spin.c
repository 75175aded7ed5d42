/*
 * The CPU-bound workload of the perf benchmark: a fixed amount of work
 * (ITERATIONS rounds of a 64-bit LCG through two calls), pinned to CPU
 * PIN. Prints "<cpu_ns> <wall_ns>".
 *
 *   spin ITERATIONS PIN
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

static __attribute__((noinline)) unsigned long step(unsigned long x)
{
	int i;

	for (i = 0; i < 1000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	return x;
}

static long long ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long n, i, x = 1;
	long long cpu0, wall0;
	cpu_set_t set;

	if (argc < 3)
		return 2;
	n = strtoul(argv[1], NULL, 10);
	CPU_ZERO(&set);
	CPU_SET(atoi(argv[2]), &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return 3;
	cpu0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	wall0 = ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++)
		x = step(x);
	sink = x;
	printf("%lld %lld\n", ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0, ns(CLOCK_MONOTONIC) - wall0);
	return 0;
}
