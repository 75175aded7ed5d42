// SPDX-License-Identifier: Apache-2.0
/*
 * The workloads of bench/security, pinned to one CPU. Prints
 * "<ns per iteration, wall> <ns per iteration, CPU of this process and its children>".
 *
 *   loops exec N CPU        fork + execve(/bin/true) + waitpid, N times
 *   loops open N CPU PATH   open(PATH, O_RDONLY) + close, N times
 *   loops connect N CPU     connect to a loopback listener + close (a thread accepts and closes), N times
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int lfd;

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static double cpu_ns(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) * 1e9 +
	       (self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) * 1e3;
}

static void *acceptor(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(lfd, NULL, NULL);

		if (c >= 0)
			close(c);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 1000;
	int cpu = argc > 3 ? atoi(argv[3]) : -1;
	double t0, c0;
	cpu_set_t set;

	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (argc > 1 && !strcmp(argv[1], "exec")) {
		t0 = now_ns();
		c0 = cpu_ns();
		for (long i = 0; i < n; i++) {
			pid_t p = fork();

			if (p == 0) {
				execl("/bin/true", "true", (char *)NULL);
				_exit(127);
			}
			waitpid(p, NULL, 0);
		}
	} else if (argc > 4 && !strcmp(argv[1], "open")) {
		t0 = now_ns();
		c0 = cpu_ns();
		for (long i = 0; i < n; i++) {
			int fd = open(argv[4], O_RDONLY);

			if (fd >= 0)
				close(fd);
		}
	} else if (argc > 1 && !strcmp(argv[1], "connect")) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(a);
		pthread_t th;

		lfd = socket(AF_INET, SOCK_STREAM, 0);
		if (bind(lfd, (void *)&a, sizeof(a)) || listen(lfd, 4096) || getsockname(lfd, (void *)&a, &len))
			return 2;
		pthread_create(&th, NULL, acceptor, NULL);
		t0 = now_ns();
		c0 = cpu_ns();
		for (long i = 0; i < n; i++) {
			int s = socket(AF_INET, SOCK_STREAM, 0);

			if (connect(s, (void *)&a, sizeof(a)))
				return 3;
			close(s);
		}
	} else {
		fprintf(stderr, "usage: loops exec|open|connect N [CPU [PATH]]\n");
		return 2;
	}
	printf("%.1f %.1f\n", (now_ns() - t0) / n, (cpu_ns() - c0) / n);
	return 0;
}
