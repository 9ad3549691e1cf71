// A rank that leaves early makes the others fail with a clear error within the group's
// timeout, never hang. Modes (argv[1]):
//   finalize  the last rank skips the all_reduce and leaves (destroy_process_group)
//   exit      the last rank exits with status 3 without leaving the group
// The remaining ranks' all_reduce must fail within TIMEOUT s, with the timeout message,
// and the group must refuse further work at once.
#define _POSIX_C_SOURCE 200809L // clock_gettime
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dist_check.h"

#define TIMEOUT 2.0

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  bool exit_abruptly = argc > 1 && !strcmp(argv[1], "exit");
  int world = dist_start(TIMEOUT);
  if (world < 0) return 1;
  ct_scope *scope = ct_scope_open();
  ct_tensor *t = ct_ones(1, (int64_t[]){1000}, CT_FLOAT32);
  CHECK_OK(ct_dist_all_reduce(t, CT_REDUCE_SUM, NULL)); // everyone is there
  if (dist_rank == world - 1) {
    ct_scope_close(scope);
    if (exit_abruptly) exit(3);
    CHECK_OK(ct_dist_destroy_process_group());
    return dist_failures != 0;
  }
  double start = now();
  ct_status st = ct_dist_all_reduce(t, CT_REDUCE_SUM, NULL);
  double waited = now() - start;
  printf("rank %d: all_reduce failed after %.1f s: %s\n", dist_rank, waited, ct_last_error());
  fflush(stdout);
  CHECK(st == CT_ERR_RUNTIME && (strstr(ct_last_error(), "timed out") || strstr(ct_last_error(), "MPI error")),
        "the all_reduce fails with a clear error");
  CHECK(waited < TIMEOUT + 5, "within the timeout (%.1f s)", waited);
  CHECK(ct_dist_barrier(NULL) == CT_ERR_RUNTIME && strstr(ct_last_error(), "unusable"),
        "the group refuses further work");
  ct_scope_close(scope);
  return dist_finish("dist_rank_exits");
}
