/*
 * Process churn for the perf benchmark: starts PROGRAM (with its arguments)
 * RATE times a second for SECONDS, each a new short-lived process (a new pid
 * with its own mappings for the profiler to read), and reaps them.
 *
 *   churn RATE SECONDS PROGRAM [ARGS...]
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	double rate, seconds;
	long n, i;
	struct timespec gap;

	if (argc < 4)
		return 2;
	rate = atof(argv[1]);
	seconds = atof(argv[2]);
	if (rate <= 0 || seconds <= 0)
		return 2;
	n = (long)(rate * seconds);
	gap.tv_sec = 0;
	gap.tv_nsec = (long)(1e9 / rate) % 1000000000L;
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			execv(argv[3], argv + 3);
			_exit(127);
		}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		nanosleep(&gap, NULL);
	}
	while (wait(NULL) > 0)
		;
	return 0;
}
