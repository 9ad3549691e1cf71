// Oracle program for .npy load/save (driver: oracle_npy.py). One case per stdin line:
//   load <path>
//     loads the file with ct_load_npy and the same bytes with ct_load_npy_buffer; prints
//     the tensor (see dump) or "error <message>", then "buffer same|differs|error".
//   save <path> <tensor spec>
//     builds a (possibly non-contiguous) tensor over the spec's storage with ct_from_blob
//     (floats as "0x" + their bits: NaN payloads survive), saves it with ct_save_npy,
//     checks ct_save_npy_buffer gives the same bytes, loads the file back and prints it.
// Printed values are exact: floats as bit patterns, ints in decimal, bools as their byte.
#define _POSIX_C_SOURCE 200809L // open_memstream
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"
#include "testutil.h"

// "ok <dtype> | <shape> | <strides or -> | <contiguous>" then the elements in row-major
// order. Strides of an empty tensor mean nothing: "-".
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
  tu_print_values(out, t, TU_BITS);
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

static void case_load(tu_tokens *tok) {
  const char *path = tu_need(tok);
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

static void case_save(tu_tokens *tok) {
  const char *path = tu_need(tok);
  ct_tensor *t = tu_read_tensor(tok, TU_WRAP);
  if (!t || ct_save_npy(path, t) != CT_OK) {
    printf("error %s\n", ct_last_error());
    return;
  }
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

static void run_case(char *line) {
  tu_tokens tok = tu_tokens_of(line);
  const char *op = tu_need(&tok);
  if (!strcmp(op, "load")) case_load(&tok);
  else if (!strcmp(op, "save")) case_save(&tok);
  else tu_bad_case("unknown case", op);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }
