// Process groups on MPI communicators: the default group (a duplicate of MPI_COMM_WORLD),
// new_group, ranks and sizes. Every communicator returns its errors (MPI_ERRORS_RETURN)
// so that they become ctorch errors instead of aborting the job.
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"
#include "distributed/mpi/dist_mpi.h"
#include "distributed/mpi/ring.h"

static ct_process_group *default_group;
static bool we_initialized_mpi; // MPI_Finalize is ours to call

bool ct_dist_is_available(void) { return true; }

ct_status ct__dist_mpi_error(int code, const char *what) {
  char text[MPI_MAX_ERROR_STRING] = "";
  int len = 0;
  MPI_Error_string(code, text, &len);
  return ct__error(CT_ERR_RUNTIME, "%s: MPI error: %s", what, text);
}

void ct__dist_mark_broken(ct_process_group *g) { g->broken = true; }

static void free_group(ct_process_group *g) {
  if (!g) return;
  if (g->comm != MPI_COMM_NULL) MPI_Comm_free(&g->comm);
  if (g->ring_comm != MPI_COMM_NULL) MPI_Comm_free(&g->ring_comm);
  free(g->global_ranks);
  free(g->ring_scratch);
  free(g);
}

// A group around `comm` (owned; may be MPI_COMM_NULL) whose ranks map to global_ranks[n].
static ct_process_group *wrap_comm(MPI_Comm comm, const int *global_ranks, int n, double timeout) {
  ct_process_group *g = calloc(1, sizeof *g);
  int *ranks = malloc((size_t)n * sizeof *ranks);
  if (!g || !ranks) {
    free(g);
    free(ranks);
    if (comm != MPI_COMM_NULL) MPI_Comm_free(&comm);
    return ct__error_null(CT_ERR_MEMORY, "out of memory creating a process group");
  }
  memcpy(ranks, global_ranks, (size_t)n * sizeof *ranks);
  g->comm = comm;
  g->global_ranks = ranks;
  g->size = n;
  g->rank = -1;
  g->timeout = timeout;
  g->ring_comm = MPI_COMM_NULL;
  if (comm != MPI_COMM_NULL) {
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm, &g->rank);
    int rc = MPI_Comm_dup(comm, &g->ring_comm); // the ring's tags never meet the user's
    if (rc != MPI_SUCCESS) {
      free_group(g);
      return ct__dist_mpi_error(rc, "creating a process group"), NULL;
    }
    int *tag_ub = NULL, found = 0;
    MPI_Comm_get_attr(comm, MPI_TAG_UB, &tag_ub, &found);
    g->ring_tag_slots = (unsigned)(((found ? (int64_t)*tag_ub : 32767) + 1) / RING_MAX_SEGMENTS);
  }
  return g;
}

ct_status ct_dist_init_process_group(double timeout_seconds) {
  if (default_group)
    return ct__error(CT_ERR_RUNTIME, "trying to initialize the default process group twice!");
  int initialized = 0, finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized)
    return ct__error(CT_ERR_RUNTIME, "init_process_group: MPI was finalized (by destroy_process_group) and "
                                     "cannot be initialized again in this process");
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0, rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided);
    if (rc != MPI_SUCCESS) return ct__dist_mpi_error(rc, "init_process_group");
    we_initialized_mpi = true;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int *ranks = malloc((size_t)size * sizeof *ranks);
  if (!ranks) return ct__error(CT_ERR_MEMORY, "out of memory creating the default process group");
  for (int r = 0; r < size; r++) ranks[r] = r;
  MPI_Comm comm;
  int rc = MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  if (rc != MPI_SUCCESS) {
    free(ranks);
    return ct__dist_mpi_error(rc, "init_process_group");
  }
  default_group = wrap_comm(comm, ranks, size, timeout_seconds > 0 ? timeout_seconds : DEFAULT_TIMEOUT_SECONDS);
  free(ranks);
  if (!default_group) return ct_last_status();
  default_group->is_default = true;
  return CT_OK;
}

bool ct_dist_is_initialized(void) { return default_group != NULL; }

ct_status ct_dist_destroy_process_group(void) {
  if (!default_group) return ct__error(CT_ERR_RUNTIME, "Default process group has not been initialized, "
                                                       "please make sure to call init_process_group.");
  // A broken communicator may have operations MPI never finishes: freeing it could wait.
  if (default_group->broken) default_group->comm = default_group->ring_comm = MPI_COMM_NULL;
  free_group(default_group);
  default_group = NULL;
  if (we_initialized_mpi) MPI_Finalize();
  we_initialized_mpi = false;
  ct__work_free_abandoned();
  return CT_OK;
}

ct_process_group *ct__dist_default_group(void) {
  if (!default_group)
    return ct__error_null(CT_ERR_RUNTIME, "Default process group has not been initialized, please make sure to "
                                          "call init_process_group.");
  return default_group;
}

ct_process_group *ct__dist_resolve(ct_process_group *group, const char *what) {
  ct_process_group *g = group ? group : ct__dist_default_group();
  if (!g) return NULL;
  if (!default_group)
    return ct__error_null(CT_ERR_RUNTIME, "%s: the process group was used after destroy_process_group", what);
  if (g->comm == MPI_COMM_NULL && !g->broken)
    return ct__error_null(CT_ERR_RUNTIME, "%s: this rank (%d) is not a member of the group", what,
                          default_group->rank);
  if (g->broken)
    return ct__error_null(CT_ERR_RUNTIME,
                          "%s: the process group is unusable: an earlier operation on it failed or timed out", what);
  return g;
}

int ct__dist_group_rank(const ct_process_group *g, int global, const char *what, const char *role) {
  for (int r = 0; r < g->size; r++)
    if (g->global_ranks[r] == global) return r;
  ct__error(CT_ERR_ARG, "%s: %s rank %d is not part of the group (of %d ranks)", what, role, global, g->size);
  return -1;
}

int ct_dist_get_rank(const ct_process_group *group) {
  const ct_process_group *g = group ? group : ct__dist_default_group();
  return g ? g->rank : -1;
}

int ct_dist_get_world_size(const ct_process_group *group) {
  const ct_process_group *g = group ? group : ct__dist_default_group();
  if (!g) return -1;
  if (g->rank < 0) {
    ct__error(CT_ERR_RUNTIME, "get_world_size: this rank is not a member of the group");
    return -1;
  }
  return g->size;
}

int ct_dist_get_global_rank(const ct_process_group *group, int group_rank) {
  const ct_process_group *g = group ? group : ct__dist_default_group();
  if (!g) return -1;
  if (group_rank < 0 || group_rank >= g->size) {
    ct__error(CT_ERR_ARG, "get_global_rank: rank %d is out of range (the group has %d ranks)", group_rank, g->size);
    return -1;
  }
  return g->global_ranks[group_rank];
}

ct_status ct_dist_set_timeout(ct_process_group *group, double seconds) {
  ct_process_group *g = group ? group : ct__dist_default_group();
  if (!g) return ct_last_status();
  if (!(seconds > 0)) return ct__error(CT_ERR_ARG, "set_timeout: the timeout must be positive, got %g", seconds);
  g->timeout = seconds;
  return CT_OK;
}

// Checks new_group's ranks: within the world, each once.
static ct_status check_ranks(const int *ranks, int n, int world) {
  if (n < 0 || (n > 0 && !ranks)) return ct__error(CT_ERR_ARG, "new_group: invalid ranks (n = %d)", n);
  for (int i = 0; i < n; i++) {
    if (ranks[i] < 0 || ranks[i] >= world)
      return ct__error(CT_ERR_ARG, "new_group: rank %d is out of range (world size %d)", ranks[i], world);
    for (int j = 0; j < i; j++)
      if (ranks[j] == ranks[i]) return ct__error(CT_ERR_ARG, "new_group: rank %d is given twice", ranks[i]);
  }
  return CT_OK;
}

ct_process_group *ct_dist_new_group(const int *ranks, int n) {
  ct_process_group *world = ct__dist_resolve(NULL, "new_group");
  if (!world) return NULL;
  if (!ranks && n == 0) { // all ranks
    ranks = world->global_ranks;
    n = world->size;
  }
  if (check_ranks(ranks, n, world->size) != CT_OK) return NULL;
  MPI_Group world_group, sub_group;
  MPI_Comm_group(world->comm, &world_group);
  int rc = MPI_Group_incl(world_group, n, ranks, &sub_group);
  MPI_Group_free(&world_group);
  if (rc != MPI_SUCCESS) return ct__dist_mpi_error(rc, "new_group"), NULL;
  MPI_Comm comm = MPI_COMM_NULL;
  rc = MPI_Comm_create(world->comm, sub_group, &comm);
  MPI_Group_free(&sub_group);
  if (rc != MPI_SUCCESS) return ct__dist_mpi_error(rc, "new_group"), NULL;
  return wrap_comm(comm, ranks, n, world->timeout);
}

void ct_dist_group_free(ct_process_group *group) {
  if (!group || group->is_default) return;
  if (group->broken) group->comm = group->ring_comm = MPI_COMM_NULL; // see ct_dist_destroy_process_group
  free_group(group);
}
