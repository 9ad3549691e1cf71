// Crash-safe file replacement: write a temporary file beside the target, fsync it, rename
// it over the target, fsync the directory so the rename itself is durable.
#define _POSIX_C_SOURCE 200809L
#include "core/error_impl.h"
#include "io/pt_archive.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static ct_status io_error(const char *format, const char *path, const char *step, int err) {
  return ct__error(CT_ERR_IO, "cannot save %s file '%s': %s: %s", format, path, step, strerror(err));
}

// fsync of the folder holding path, so a rename in it survives a crash.
static int sync_dir_of(const char *path) {
  char copy[4096]; // on the stack: the file is in place already, nothing may fail for memory now
  if (strlen(path) >= sizeof copy) return ENAMETOOLONG;
  strcpy(copy, path);
  int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = fsync(fd) == 0 || errno == EINVAL ? 0 : errno; // some file systems cannot sync folders
  close(fd);
  return rc;
}

ct_status ct__write_file_atomic(const char *path, const void *data, size_t size, const char *format) {
  size_t n = strlen(path);
  char *tmp = malloc(n + 16);
  if (!tmp) return ct__error(CT_ERR_MEMORY, "out of memory saving '%s'", path);
  memcpy(tmp, path, n);
  memcpy(tmp + n, ".tmp-XXXXXX", 12);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    ct_status st = io_error(format, path, "cannot create a temporary file beside it", errno);
    free(tmp);
    return st;
  }
  const char *step = NULL;
  int err = 0;
  for (size_t done = 0; done < size && !step;) {
    ssize_t w = write(fd, (const char *)data + done, size - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0)
      step = "write error", err = w < 0 ? errno : EIO;
    else
      done += (size_t)w;
  }
  if (!step && fchmod(fd, 0644) != 0) step = "chmod", err = errno;
  if (!step && fsync(fd) != 0) step = "fsync", err = errno;
  if (close(fd) != 0 && !step) step = "close", err = errno;
  if (!step && rename(tmp, path) != 0) step = "rename", err = errno;
  if (step) {
    unlink(tmp);
    free(tmp);
    return io_error(format, path, step, err);
  }
  free(tmp);
  if ((err = sync_dir_of(path)) != 0) return io_error(format, path, "fsync of its folder", err);
  return CT_OK;
}
