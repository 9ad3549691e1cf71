#define _POSIX_C_SOURCE 200809L
#include "tensorboard/event_file.h"
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/error_impl.h"
#include "tensorboard/record.h"

struct ct__event_file {
  int fd;
  char *dir;
  char *path;
  int max_queue;
  double flush_secs, last_write;
  off_t size; ///< bytes of whole records in the file
  ct__bytes *queue; ///< framed records not yet written
  size_t queued, cap;
};

static atomic_long files_opened; // tensorboard's _global_uid

double ct__wall_time(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

ct_status ct__make_dirs(const char *dir) {
  char *path = strdup(dir);
  if (!path) return ct__error(CT_ERR_MEMORY, "SummaryWriter: out of memory");
  ct_status st = CT_OK;
  for (char *p = path + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    struct stat info;
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
      st = ct__error(CT_ERR_IO, "SummaryWriter: cannot create directory '%s': %s", path, strerror(errno));
    } else if (stat(path, &info) != 0 || !S_ISDIR(info.st_mode)) {
      st = ct__error(CT_ERR_IO, "SummaryWriter: '%s' exists and is not a directory", path);
    }
    *p = saved;
    if (st != CT_OK || saved == '\0') break;
  }
  free(path);
  return st;
}

static char *event_file_path(const char *dir, const char *suffix) {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  host[sizeof host - 1] = '\0';
  long n = atomic_fetch_add(&files_opened, 1);
  int len = snprintf(NULL, 0, "%s/events.out.tfevents.%010ld.%s.%ld.%ld%s", dir, (long)time(NULL), host,
                     (long)getpid(), n, suffix);
  char *path = malloc((size_t)len + 1);
  if (path)
    snprintf(path, (size_t)len + 1, "%s/events.out.tfevents.%010ld.%s.%ld.%ld%s", dir, (long)time(NULL), host,
             (long)getpid(), n, suffix);
  return path;
}

ct__event_file *ct__event_file_open(const char *dir, int max_queue, double flush_secs, const char *suffix) {
  if (ct__make_dirs(dir) != CT_OK) return NULL;
  ct__event_file *f = calloc(1, sizeof *f);
  if (f) {
    f->fd = -1;
    f->dir = strdup(dir);
    f->path = event_file_path(dir, suffix ? suffix : "");
  }
  if (!f || !f->dir || !f->path) {
    ct__event_file_close(f);
    return ct__error_null(CT_ERR_MEMORY, "SummaryWriter: out of memory");
  }
  f->fd = open(f->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  if (f->fd < 0) {
    ct__error(CT_ERR_IO, "SummaryWriter: cannot create event file '%s': %s", f->path, strerror(errno));
    ct__event_file_close(f);
    return NULL;
  }
  f->max_queue = max_queue;
  f->flush_secs = flush_secs;
  f->last_write = ct__wall_time();
  ct__bytes first;
  if (ct__event_file_version(f->last_write, 0, &first) != CT_OK || ct__event_file_add(f, first) != CT_OK ||
      ct__event_file_flush(f) != CT_OK) {
    ct__event_file_close(f);
    return NULL;
  }
  return f;
}

ct_status ct__event_file_add(ct__event_file *f, ct__bytes event) {
  ct__bytes record = {malloc(event.len + CT__RECORD_OVERHEAD), event.len + CT__RECORD_OVERHEAD};
  if (record.data) ct__record_frame(event.data, event.len, record.data);
  free(event.data);
  if (!record.data) return ct__error(CT_ERR_MEMORY, "SummaryWriter: out of memory");
  if (f->queued == f->cap) {
    size_t cap = f->cap ? 2 * f->cap : 16;
    ct__bytes *grown = realloc(f->queue, cap * sizeof *grown);
    if (!grown) {
      free(record.data);
      return ct__error(CT_ERR_MEMORY, "SummaryWriter: out of memory");
    }
    f->queue = grown;
    f->cap = cap;
  }
  f->queue[f->queued++] = record;
  bool full = f->max_queue > 0 && f->queued >= (size_t)f->max_queue;
  if (full || ct__wall_time() - f->last_write >= f->flush_secs) return ct__event_file_flush(f);
  return CT_OK;
}

// One write call for the whole record; the loop only continues a write the kernel cut
// short (a signal), never splits a record on purpose. A record that fails part way is
// cut off again, so the file holds whole records only and a retry appends it whole.
static ct_status write_record(ct__event_file *f, const ct__bytes *record) {
  size_t done = 0;
  while (done < record->len) {
    ssize_t n = write(f->fd, record->data + done, record->len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : ENOSPC;
      if (done && ftruncate(f->fd, f->size) != 0) err = errno;
      return ct__error(CT_ERR_IO, "SummaryWriter: cannot write '%s': %s", f->path, strerror(err));
    }
    done += (size_t)n;
  }
  f->size += (off_t)record->len;
  return CT_OK;
}

ct_status ct__event_file_flush(ct__event_file *f) {
  size_t written = 0;
  ct_status st = CT_OK;
  while (written < f->queued && (st = write_record(f, &f->queue[written])) == CT_OK) {
    free(f->queue[written].data);
    written++;
  }
  memmove(f->queue, f->queue + written, (f->queued - written) * sizeof *f->queue);
  f->queued -= written;
  f->last_write = ct__wall_time();
  return st;
}

ct_status ct__event_file_close(ct__event_file *f) {
  if (!f) return CT_OK;
  ct_status st = f->fd >= 0 ? ct__event_file_flush(f) : CT_OK;
  if (f->fd >= 0 && close(f->fd) != 0 && st == CT_OK)
    st = ct__error(CT_ERR_IO, "SummaryWriter: cannot close '%s': %s", f->path, strerror(errno));
  for (size_t i = 0; i < f->queued; i++) free(f->queue[i].data);
  free(f->queue);
  free(f->dir);
  free(f->path);
  free(f);
  return st;
}

const char *ct__event_file_dir(const ct__event_file *f) { return f->dir; }
