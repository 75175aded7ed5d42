/*
 * The producer: a tight getppid(2) loop pinned to one CPU (as
 * bench/syscall/getppid.c). With WAIT=1 it prints "ready <pid>" and waits for
 * a line on stdin before starting, so the tracer can filter on its pid.
 * Makes CALLS/10 warm-up calls, then CALLS timed calls; prints
 * "<thread CPU ns/call> <wall ns/call> <getppid calls made>".
 * Usage: producer CALLS CPU [WAIT]
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
	long calls = argc > 1 ? atol(argv[1]) : 2000000;
	int cpu = argc > 2 ? atoi(argv[2]) : 0;
	int wait = argc > 3 ? atoi(argv[3]) : 0;
	long warm = calls / 10;
	cpu_set_t set;
	struct timespec a, b, ca, cb;
	char line[16];

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		return 1;
	}
	if (wait) {
		printf("ready %d\n", getpid());
		fflush(stdout);
		if (read(0, line, sizeof(line)) <= 0)
			return 2;
	}
	for (long i = 0; i < warm; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ca);
	for (long i = 0; i < calls; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cb);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f %.1f %ld\n", ((cb.tv_sec - ca.tv_sec) * 1e9 + (cb.tv_nsec - ca.tv_nsec)) / calls,
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / calls, warm + calls);
	return 0;
}
