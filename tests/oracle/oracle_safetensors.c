// Oracle program for safetensors files (driver: oracle_safetensors.py). One case per line:
//   load <path>            ct_load_safetensors: "ok <tensors> | meta <metadata>" (the trees
//                          as tests/util/file_oracle.h writes them) or "error <message>",
//                          then "buffer same|differs" for ct_load_safetensors_buffer
//   roundtrip <in> <out>   load in (with its metadata) and save it to out: "saved" or an error
//   views <out>            saves views ctorch makes (transposed, stepped, 0-d, empty) with
//                          metadata {"made_by": "ctorch"}: "saved" or an error
#include "file_oracle.h"
#include "oracle_io.h"
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// "ok <tensors> | meta <metadata>", malloc'ed.
static char *answer(const ct_value *v, const ct_value *meta) {
  char *a = tu_dump_value(v), *b = tu_dump_value(meta);
  size_t n = (a ? strlen(a) : 0) + (b ? strlen(b) : 0) + 16;
  char *out = malloc(n);
  if (out) snprintf(out, n, "ok%s | meta%s", a ? a : "", b ? b : "");
  free(a);
  free(b);
  return out;
}

static void load(const char *path) {
  ct_value *meta = NULL, *bmeta = NULL;
  ct_value *v = ct_load_safetensors(path, &meta);
  char *text = v ? answer(v, meta) : NULL;
  if (v)
    printf("%s\n", text);
  else
    tu_print_error_line();
  size_t size = 0;
  char *bytes = tu_read_file(path, &size);
  ct_value *b = bytes ? ct_load_safetensors_buffer(bytes, size, &bmeta) : NULL;
  char *btext = b ? answer(b, bmeta) : NULL;
  bool same = v ? btext && !strcmp(text, btext) : !b;
  printf("buffer %s\n", same ? "same" : "differs");
  free(bytes);
  free(text);
  free(btext);
  ct_value_free(v);
  ct_value_free(meta);
  ct_value_free(b);
  ct_value_free(bmeta);
}

static void views(const char *out) {
  ct_tensor *m = ct_arange(0, 12, 1, CT_FLOAT32);
  ct_tensor *grid = ct_view(m, 2, (int64_t[]){3, 4});
  ct_value *dict = ct_value_dict(), *meta = ct_value_dict();
  ct_value_dict_set_str(dict, "transposed", ct_value_tensor(ct_transpose(grid, 0, 1)));
  ct_value_dict_set_str(dict, "stepped",
                        ct_value_tensor(ct_slice(ct_arange(0, 10, 1, CT_INT64), 0, 1, 10, 3)));
  ct_value_dict_set_str(dict, "scalar", ct_value_tensor(ct_scalar(2.5, CT_FLOAT64)));
  ct_value_dict_set_str(dict, "empty", ct_value_tensor(ct_zeros(2, (int64_t[]){0, 3}, CT_INT32)));
  ct_value_dict_set_str(
      dict, "mask",
      ct_value_tensor(ct_to_dtype(ct_slice(ct_arange(0, 5, 1, CT_INT64), 0, 0, 5, 2), CT_BOOL)));
  ct_value_dict_set_str(meta, "made_by", ct_value_string("ctorch"));
  if (ct_save_safetensors(out, dict, meta) != CT_OK)
    tu_print_error_line();
  else
    printf("saved\n");
  ct_value_free(dict);
  ct_value_free(meta);
}

static void run_case(char *line) {
  tu_tokens tok = tu_tokens_of(line);
  const char *cmd = tu_need(&tok);
  if (!strcmp(cmd, "load")) {
    load(tu_need(&tok));
  } else if (!strcmp(cmd, "roundtrip")) {
    const char *in = tu_need(&tok), *out = tu_need(&tok);
    ct_value *meta = NULL, *v = ct_load_safetensors(in, &meta);
    if (!v || ct_save_safetensors(out, v, meta) != CT_OK)
      tu_print_error_line();
    else
      printf("saved\n");
    ct_value_free(v);
    ct_value_free(meta);
  } else if (!strcmp(cmd, "views")) {
    views(tu_need(&tok));
  } else {
    tu_bad_case("command", cmd);
  }
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }
