// SPDX-License-Identifier: Apache-2.0
/*
 * A loopback connect/close loop for bench/tcp: a server thread accepts and
 * closes at once; the main thread connects, waits for the EOF, closes, N
 * times. Prints "<connections per second> <seconds> <CPU us per connection>"
 * (the CPU time of both threads, user + system: softirq work done on their
 * behalf included, other tasks' time not, so it holds on a busy machine).
 * With RATE > 0 the client holds that many connections a second at most:
 * it sleeps whenever it is ahead of the schedule (checked every 50
 * connections); a loop that cannot keep up never sleeps and falls behind.
 *
 *   connloop N [CLIENT_CPU SERVER_CPU [RATE]]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int lfd;
static long n;

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *server(void *arg)
{
	pin((int)(long)arg);
	for (long i = 0; i < n; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			perror("accept");
			exit(1);
		}
		close(fd);
	}
	return NULL;
}

/* Sleeps until `due` seconds after `t0` when that is still ahead. */
static void keep_to_schedule(const struct timespec *t0, double due)
{
	struct timespec now, until;
	double ahead;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ahead = due - ((now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9);
	if (ahead <= 0)
		return;
	until.tv_sec = t0->tv_sec + (time_t)due;
	until.tv_nsec = t0->tv_nsec + (long)((due - (time_t)due) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec += 1;
		until.tv_nsec -= 1000000000L;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	struct timespec t0, t1;
	double rate;
	pthread_t th;
	int one = 1;
	char c;

	n = argc > 1 ? atol(argv[1]) : 20000;
	prctl(PR_SET_NAME, "connloop", 0, 0, 0);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 4096) || getsockname(lfd, (struct sockaddr *)&a, &len)) {
		perror("listen");
		return 1;
	}
	pthread_create(&th, NULL, server, (void *)(long)(argc > 3 ? atoi(argv[3]) : -1));
	pin(argc > 2 ? atoi(argv[2]) : -1);
	rate = argc > 4 ? atof(argv[4]) : 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		if (rate > 0 && i % 50 == 0)
			keep_to_schedule(&t0, i / rate);
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
			perror("connect");
			return 1;
		}
		if (read(fd, &c, 1) != 0) {
			fprintf(stderr, "expected EOF\n");
			return 1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(th, NULL);
	double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu_us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
	printf("%.0f %.3f %.3f\n", n / s, s, cpu_us / n);
	return 0;
}
