// Oracle program for .npy load/save (driver: oracle_npy.py). One case per stdin line:
//   load <path>
//     loads the file with ct_load_npy and the same bytes with ct_load_npy_buffer; prints
//     the tensor (see dump) or "error <message>", then "buffer same|differs|error".
//   save <path> <dtype> <ndim> <shape...> <strides...> <offset> <n> <storage values...>
//     builds a (possibly non-contiguous) tensor over the given storage with ct_from_blob,
//     saves it with ct_save_npy, checks ct_save_npy_buffer gives the same bytes, loads the
//     file back and prints it.
// Values are exact: floats as the hex of their bits, ints in decimal, bools as 0/1.
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "testutil.h"

static const char *next_token(char **cursor) {
  char *s = *cursor + strspn(*cursor, " \t\n");
  if (!*s) return NULL;
  char *end = s + strcspn(s, " \t\n");
  if (*end) *end++ = '\0';
  *cursor = end;
  return s;
}

static ct_dtype dtype_from_name(const char *name) {
  for (int d = 0; d < CT_NUM_DTYPES; d++)
    if (!strcmp(name, ct_dtype_name((ct_dtype)d))) return (ct_dtype)d;
  return CT_NUM_DTYPES;
}

static void print_element(FILE *out, const unsigned char *p, ct_dtype dtype) {
  uint32_t u32;
  uint64_t u64;
  int32_t i32;
  int64_t i64;
  switch (dtype) {
  case CT_FLOAT32: memcpy(&u32, p, 4); fprintf(out, " 0x%08" PRIx32, u32); break;
  case CT_FLOAT64: memcpy(&u64, p, 8); fprintf(out, " 0x%016" PRIx64, u64); break;
  case CT_INT32: memcpy(&i32, p, 4); fprintf(out, " %" PRId32, i32); break;
  case CT_INT64: memcpy(&i64, p, 8); fprintf(out, " %" PRId64, i64); break;
  default: fprintf(out, " %d", *p); break; // the raw byte: must be 0 or 1
  }
}

// "ok <dtype> | <shape> | <strides or -> | <contiguous>" then the elements in row-major
// order, walked through the strides. Strides of an empty tensor mean nothing: "-".
static void dump(FILE *out, const ct_tensor *t) {
  int nd = ct_dim(t);
  const int64_t *shape = ct_shape(t), *strides = ct_strides(t);
  int64_t n = ct_numel(t);
  fprintf(out, "ok %s |", ct_dtype_name(ct_get_dtype(t)));
  for (int d = 0; d < nd; d++) fprintf(out, " %" PRId64, shape[d]);
  fprintf(out, " |");
  for (int d = 0; d < nd; d++) {
    if (n) fprintf(out, " %" PRId64, strides[d]);
    else fprintf(out, " -");
  }
  fprintf(out, " | %d\n", n ? (int)ct_is_contiguous(t) : 1);
  size_t size = ct_dtype_size(ct_get_dtype(t));
  const unsigned char *base = ct_data_ptr(t);
  int64_t index[CT_MAX_DIMS] = {0};
  for (int64_t i = 0; i < n; i++) {
    int64_t offset = 0;
    for (int d = 0; d < nd; d++) offset += index[d] * strides[d];
    print_element(out, base + offset * (int64_t)size, ct_get_dtype(t));
    for (int d = nd - 1; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
  }
  fprintf(out, "\n");
}

static char *dump_to_string(const ct_tensor *t) {
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  if (!out) return NULL;
  dump(out, t);
  fclose(out);
  return text;
}

static void case_load(char *args) {
  const char *path = next_token(&args);
  if (!path) {
    printf("bad case\n");
    return;
  }
  ct_tensor *from_file = ct_load_npy(path);
  if (from_file) dump(stdout, from_file);
  else printf("error %s\n", ct_last_error());

  size_t len = 0;
  char *bytes = tu_read_file(path, &len);
  ct_tensor *from_buffer = bytes ? ct_load_npy_buffer(bytes, len) : NULL;
  free(bytes);
  if (!from_file || !from_buffer) {
    printf("buffer %s\n", !from_file && !from_buffer ? "error" : "differs");
    return;
  }
  char *a = dump_to_string(from_file), *b = dump_to_string(from_buffer);
  printf("buffer %s\n", a && b && !strcmp(a, b) ? "same" : "differs");
  free(a);
  free(b);
}

static bool parse_storage(char **args, ct_dtype dtype, int64_t n, unsigned char *storage) {
  size_t size = ct_dtype_size(dtype);
  for (int64_t i = 0; i < n; i++) {
    const char *tok = next_token(args);
    if (!tok) return false;
    unsigned char *p = storage + i * (int64_t)size;
    if (dtype == CT_FLOAT32 || dtype == CT_FLOAT64 || dtype == CT_INT64 || dtype == CT_INT32) {
      uint64_t bits = ct_dtype_is_floating(dtype) ? strtoull(tok, NULL, 0) : (uint64_t)strtoll(tok, NULL, 10);
      if (size == 4) {
        uint32_t b32 = (uint32_t)bits;
        memcpy(p, &b32, 4);
      } else {
        memcpy(p, &bits, 8);
      }
    } else {
      *p = (unsigned char)(atoi(tok) != 0);
    }
  }
  return true;
}

static void case_save(char *args) {
  const char *path = next_token(&args), *dtype_name = next_token(&args), *tok = next_token(&args);
  ct_dtype dtype = dtype_name ? dtype_from_name(dtype_name) : CT_NUM_DTYPES;
  int nd = tok ? atoi(tok) : -1;
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  if (!path || dtype == CT_NUM_DTYPES || nd < 0 || nd > CT_MAX_DIMS) goto bad;
  for (int d = 0; d < 2 * nd; d++) {
    if (!(tok = next_token(&args))) goto bad;
    (d < nd ? shape : strides)[d % nd] = strtoll(tok, NULL, 10);
  }
  const char *offset_tok = next_token(&args), *count_tok = next_token(&args);
  if (!offset_tok || !count_tok) goto bad;
  int64_t offset = strtoll(offset_tok, NULL, 10), n = strtoll(count_tok, NULL, 10);
  size_t size = ct_dtype_size(dtype);
  unsigned char *storage = malloc((size_t)(n ? n : 1) * size);
  if (!storage || !parse_storage(&args, dtype, n, storage)) {
    free(storage);
    goto bad;
  }
  ct_tensor *t = ct_from_blob(storage + offset * (int64_t)size, dtype, nd, shape, strides, NULL, NULL);
  if (!t || ct_save_npy(path, t) != CT_OK) {
    printf("error %s\n", ct_last_error());
  } else {
    void *buffer = NULL;
    size_t buffer_len = 0, file_len = 0;
    char *file_bytes = tu_read_file(path, &file_len);
    bool same = ct_save_npy_buffer(t, &buffer, &buffer_len) == CT_OK && file_bytes && buffer_len == file_len &&
                !memcmp(buffer, file_bytes, file_len);
    free(buffer);
    free(file_bytes);
    ct_tensor *back = ct_load_npy(path);
    if (back) dump(stdout, back);
    else printf("error reloading: %s\n", ct_last_error());
    printf("buffer %s\n", same ? "same" : "differs");
  }
  free(storage); // t (in the case's scope) never touches it again
  return;
bad:
  printf("bad case\n");
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, stdin) > 0) {
    ct_scope *scope = ct_scope_open();
    char *args = line;
    const char *op = next_token(&args);
    if (op && !strcmp(op, "load")) case_load(args);
    else if (op && !strcmp(op, "save")) case_save(args);
    else printf("bad case\n");
    ct_scope_close(scope);
    printf("@@END@@\n");
    fflush(stdout);
  }
  free(line);
  return 0;
}
