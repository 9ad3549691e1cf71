// Checks for the programs run under mpirun (tests/distributed): each rank counts its
// failures and prints them with its rank; the program's exit status says whether any.
#ifndef CTORCH_TESTS_DIST_CHECK_H
#define CTORCH_TESTS_DIST_CHECK_H
#include <stdio.h>
#include "ctorch.h"

static int dist_rank, dist_failures, dist_checks;

#define CHECK(cond, ...)                                                                                      \
  do {                                                                                                        \
    dist_checks++;                                                                                            \
    if (!(cond)) {                                                                                            \
      fprintf(stderr, "rank %d: %s:%d: ", dist_rank, __FILE__, __LINE__);                                     \
      fprintf(stderr, __VA_ARGS__);                                                                           \
      fprintf(stderr, " (last error: %s)\n", ct_last_error());                                                \
      dist_failures++;                                                                                        \
    }                                                                                                         \
  } while (0)

#define CHECK_OK(call) CHECK((call) == CT_OK, "%s failed", #call)

// Starts the program: init_process_group with `timeout` seconds; the world size, or -1
// (printed) when that fails.
static int dist_start(double timeout) {
  if (ct_dist_init_process_group(timeout) != CT_OK) {
    fprintf(stderr, "init_process_group: %s\n", ct_last_error());
    return -1;
  }
  dist_rank = ct_dist_get_rank(NULL);
  return ct_dist_get_world_size(NULL);
}

// Ends the program: destroys the process group, prints a summary, exit status 1 on failures.
static int dist_finish(const char *name) {
  CHECK_OK(ct_dist_destroy_process_group());
  if (dist_failures) fprintf(stderr, "rank %d: %s: %d of %d checks failed\n", dist_rank, name, dist_failures, dist_checks);
  else if (dist_rank == 0) printf("%s: all %d checks passed on rank 0\n", name, dist_checks);
  return dist_failures != 0;
}
#endif
