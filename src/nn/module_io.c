// A module's state dict as a directory of "<dotted name>.npy" files (NumPy's format, so
// np.load / torch.from_numpy read them, and a torch state dict saved with np.save loads).
#define _POSIX_C_SOURCE 200809L // opendir, mkdir
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/error_impl.h"
#include "ctorch/npy.h"
#include "ctorch/scope.h"
#include "nn/module_impl.h"

#define NAME_CAP sizeof(((ct_named_tensor *)0)->name)

// "<dir>/<name>.npy", malloc'ed (NULL and an error when out of memory).
static char *npy_path(const char *dir, const char *name) {
  size_t len = strlen(dir) + strlen(name) + 6;
  char *path = malloc(len);
  if (!path) return ct__error_null(CT_ERR_MEMORY, "out of memory building a file name");
  snprintf(path, len, "%s/%s.npy", dir, name);
  return path;
}

static ct_status make_directory(const char *dir) {
  if (mkdir(dir, 0777) == 0) return CT_OK;
  int err = errno;
  struct stat info;
  if (err == EEXIST && stat(dir, &info) == 0 && S_ISDIR(info.st_mode)) return CT_OK;
  return ct__error(CT_ERR_IO, "cannot create directory '%s': %s", dir, strerror(err == EEXIST ? ENOTDIR : err));
}

// Writes items[0..n-1]; on failure removes the files this call wrote.
static ct_status write_all(const char *dir, const ct_named_list *sd) {
  for (int i = 0; i < sd->count; i++) {
    char *path = npy_path(dir, sd->items[i].name);
    ct_status st = path ? ct_save_npy(path, sd->items[i].tensor) : CT_ERR_MEMORY;
    free(path);
    if (st == CT_OK) continue;
    for (int k = 0; k < i; k++) {
      char *written = npy_path(dir, sd->items[k].name);
      if (written) remove(written);
      free(written);
    }
    return st;
  }
  return CT_OK;
}

ct_status ct_module_save(ct_module *m, const char *dir) {
  if (!m || !dir) return ct__error(CT_ERR_ARG, "module save: NULL argument");
  ct_named_list *sd = ct__module_state_entries(m);
  if (!sd) return ct_last_status();
  ct_status st = CT_OK;
  for (int i = 0; st == CT_OK && i < sd->count; i++)
    if (strchr(sd->items[i].name, '/'))
      st = ct__error(CT_ERR_ARG, "module save: parameter name '%s' can't be a file name (it contains '/')",
                     sd->items[i].name);
  if (st == CT_OK) st = make_directory(dir);
  if (st == CT_OK) st = write_all(dir, sd);
  ct_named_list_free(sd);
  return st;
}

// ---- loading ----

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct stem_list {
  char **names;
  int count, cap;
} stem_list;

static void stems_free(stem_list *s) {
  for (int i = 0; i < s->count; i++) free(s->names[i]);
  free(s->names);
}

// The names of the directory's "<name>.npy" entries, sorted (so reports don't depend on
// the file system's order).
static ct_status list_stems(const char *dir, stem_list *out) {
  DIR *d = opendir(dir);
  if (!d) return ct__error(CT_ERR_IO, "cannot open directory '%s': %s", dir, strerror(errno));
  ct_status st = CT_OK;
  for (struct dirent *e; st == CT_OK && (e = readdir(d));) {
    size_t len = strlen(e->d_name);
    if (len <= 4 || strcmp(e->d_name + len - 4, ".npy")) continue;
    if (len - 4 >= NAME_CAP) {
      st = ct__error(CT_ERR_IO, "cannot load '%s/%s': the name is longer than %zu characters", dir, e->d_name,
                     NAME_CAP - 1);
      break;
    }
    if (out->count == out->cap) {
      if (out->cap > INT_MAX / 2) {
        st = ct__error(CT_ERR_MEMORY, "cannot load '%s': it holds too many .npy files (more than %d)", dir, out->cap);
        break;
      }
      int cap = out->cap ? 2 * out->cap : 16;
      char **names = realloc(out->names, (size_t)cap * sizeof *names);
      if (!names) {
        st = ct__error(CT_ERR_MEMORY, "out of memory listing '%s'", dir);
        break;
      }
      out->names = names;
      out->cap = cap;
    }
    char *stem = malloc(len - 3);
    if (!stem) {
      st = ct__error(CT_ERR_MEMORY, "out of memory listing '%s'", dir);
      break;
    }
    memcpy(stem, e->d_name, len - 4);
    stem[len - 4] = '\0';
    out->names[out->count++] = stem;
  }
  closedir(d);
  if (st == CT_OK && out->count) qsort(out->names, (size_t)out->count, sizeof *out->names, compare_names);
  return st;
}

static bool is_key(const ct_named_list *own, const char *name) {
  for (int i = 0; i < own->count; i++)
    if (!strcmp(own->items[i].name, name)) return true;
  return false;
}

// Loads the files of the module's own keys into `state` (inside the caller's scope); other
// files are listed by name only, to be reported as unexpected keys.
static ct_status read_state(const char *dir, const stem_list *stems, const ct_named_list *own, ct_named_list *state) {
  for (int i = 0; i < stems->count; i++) {
    ct_named_tensor *it = &state->items[state->count++];
    snprintf(it->name, sizeof it->name, "%s", stems->names[i]);
    it->tensor = NULL;
    if (!is_key(own, it->name)) continue;
    char *path = npy_path(dir, it->name);
    if (!path) return CT_ERR_MEMORY;
    it->tensor = ct_load_npy(path);
    free(path);
    if (!it->tensor) return ct_last_status();
  }
  return CT_OK;
}

ct_status ct_module_load(ct_module *m, const char *dir) {
  if (!m || !dir) return ct__error(CT_ERR_ARG, "module load: NULL argument");
  ct_named_list *own = ct__module_state_entries(m);
  if (!own) return ct_last_status();
  stem_list stems = {0};
  ct_named_list state = {0};
  ct_scope *scope = NULL;
  ct_status st = list_stems(dir, &stems);
  if (st == CT_OK) {
    state.items = calloc((size_t)(stems.count ? stems.count : 1), sizeof *state.items);
    scope = state.items ? ct_scope_open() : NULL;
    if (!scope) st = ct__error(CT_ERR_MEMORY, "out of memory loading '%s'", dir);
  }
  if (st == CT_OK) st = read_state(dir, &stems, own, &state);
  if (st == CT_OK) st = ct_module_load_state_dict(m, &state, true);
  if (scope) ct_scope_close(scope);
  free(state.items);
  stems_free(&stems);
  ct_named_list_free(own);
  return st;
}
