// Oracle program for .pt files (driver: oracle_pt.py). One case per stdin line:
//   load <path>            ct_load_pt, then the tree (see dump) or "error <message>";
//                          the same bytes through ct_load_pt_buffer must give the same text
//   roundtrip <in> <out>   ct_load_pt(in) then ct_save_pt(out): "saved" or "error <message>"
//   linear_save <seed> <in> <out> <path>   nn.Linear(in, out) made after manual_seed(seed),
//                          its state dict saved with ct_save_state_dict_pt
//   linear_load <in> <out> <path>   ct_module_load_state_dict_pt into nn.Linear(in, out),
//                          then its state dict dumped
// The dump writes one token list: "none", "bool 0|1", "int <n>", "float <16 hex bits>",
// "str <utf-8 hex>", "list <n> ...", "tuple <n> ...", "dict <n> <key> <value> ...", and
// for a tensor "tensor <dtype> <shape,> <strides,> <offset> <storage id or -> <requires
// grad> <is param> <element bytes hex, row-major>"; storage ids number the non-empty
// storages in order of first appearance, so sharing shows.
#define _POSIX_C_SOURCE 200809L // open_memstream
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

#define MAX_SEEN 4096

typedef struct dumper {
  FILE *out;
  ct_tensor *seen[MAX_SEEN]; // first tensor of each storage, by id
  int nseen;
} dumper;

static void hex(FILE *out, const void *p, size_t n) {
  for (size_t i = 0; i < n; i++) fprintf(out, "%02x", ((const unsigned char *)p)[i]);
}

static void ints(FILE *out, const int64_t *v, int n) {
  fputc(' ', out);
  if (!n) fputc('s', out);
  for (int i = 0; i < n; i++) fprintf(out, "%s%" PRId64, i ? "," : "", v[i]);
}

static void dump_tensor(dumper *d, ct_tensor *t) {
  int nd = ct_dim(t);
  int64_t n = ct_numel(t);
  size_t size = ct_dtype_size(ct_get_dtype(t));
  fprintf(d->out, " tensor %s", ct_dtype_name(ct_get_dtype(t)));
  ints(d->out, ct_shape(t), nd);
  ints(d->out, ct_strides(t), nd);
  fprintf(d->out, " %" PRId64, ct_storage_offset(t));
  int id = -1;
  for (int i = 0; i < d->nseen && id < 0; i++)
    if (ct_shares_storage(d->seen[i], t)) id = i;
  if (id < 0 && d->nseen < MAX_SEEN && n) d->seen[id = d->nseen++] = t; // an empty view: storage may be empty
  if (n) fprintf(d->out, " %d", id);
  else fprintf(d->out, " -");
  fprintf(d->out, " %d %d ", (int)ct_requires_grad(t), (int)ct_is_parameter(t));
  const char *base = ct_data_ptr(t);
  const int64_t *shape = ct_shape(t), *strides = ct_strides(t);
  int64_t index[CT_MAX_DIMS] = {0};
  for (int64_t i = 0; i < n; i++) {
    int64_t off = 0;
    for (int k = 0; k < nd; k++) off += index[k] * strides[k];
    hex(d->out, base + off * (int64_t)size, size);
    for (int k = nd - 1; k >= 0 && ++index[k] == shape[k]; k--) index[k] = 0;
  }
  if (!n) fputc('-', d->out);
}

static void dump(dumper *d, const ct_value *v) {
  switch (ct_value_get_kind(v)) {
  case CT_VALUE_NONE: fprintf(d->out, " none"); break;
  case CT_VALUE_BOOL: fprintf(d->out, " bool %d", (int)ct_value_as_bool(v)); break;
  case CT_VALUE_INT: fprintf(d->out, " int %" PRId64, ct_value_as_int(v)); break;
  case CT_VALUE_FLOAT: {
    double f = ct_value_as_float(v);
    uint64_t bits;
    memcpy(&bits, &f, sizeof bits);
    fprintf(d->out, " float %016" PRIx64, bits);
    break;
  }
  case CT_VALUE_STRING: {
    const char *s = ct_value_as_string(v);
    fprintf(d->out, " str ");
    hex(d->out, s, strlen(s));
    if (!*s) fputc('-', d->out);
    break;
  }
  case CT_VALUE_TENSOR: dump_tensor(d, ct_value_as_tensor(v)); break;
  case CT_VALUE_LIST:
  case CT_VALUE_TUPLE:
    fprintf(d->out, " %s %" PRId64, ct_value_get_kind(v) == CT_VALUE_LIST ? "list" : "tuple", ct_value_len(v));
    for (int64_t i = 0; i < ct_value_len(v); i++) dump(d, ct_value_at(v, i));
    break;
  case CT_VALUE_DICT:
    fprintf(d->out, " dict %" PRId64, ct_value_len(v));
    for (int64_t i = 0; i < ct_value_len(v); i++) {
      dump(d, ct_value_key_at(v, i));
      dump(d, ct_value_at(v, i));
    }
    break;
  }
}

static char *dump_text(const ct_value *v) {
  static dumper d;
  char *text = NULL;
  size_t len = 0;
  d.nseen = 0;
  d.out = open_memstream(&text, &len);
  if (!d.out) return NULL;
  dump(&d, v);
  fclose(d.out);
  return text;
}

static void print_error(void) {
  char *msg = strdup(ct_last_error());
  for (char *p = msg; p && *p; p++)
    if (*p == '\n') *p = ' ';
  printf("error %s\n", msg ? msg : "?");
  free(msg);
}

static unsigned char *read_all(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *p = malloc(n > 0 ? (size_t)n : 1);
  if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    p = NULL;
  }
  fclose(f);
  *size = (size_t)n;
  return p;
}

static void load(const char *path) {
  ct_value *v = ct_load_pt(path);
  char *text = v ? dump_text(v) : NULL;
  if (!v) print_error();
  else printf("ok%s\n", text);
  char *first_error = v ? NULL : strdup(ct_last_error());
  size_t size = 0;
  unsigned char *bytes = read_all(path, &size);
  ct_value *b = bytes ? ct_load_pt_buffer(bytes, size) : NULL;
  char *btext = b ? dump_text(b) : NULL;
  // The buffer gives the same tree, or fails too (its message names the buffer).
  bool same = v ? b && btext && !strcmp(text, btext) : !b;
  printf("buffer %s\n", same ? "same" : "differs");
  free(bytes);
  free(text);
  free(btext);
  free(first_error);
  ct_value_free(v);
  ct_value_free(b);
}

static void run_case(char *line) {
  tu_tokens tok = tu_tokens_of(line);
  const char *cmd = tu_need(&tok);
  if (!strcmp(cmd, "load")) {
    load(tu_need(&tok));
  } else if (!strcmp(cmd, "roundtrip")) {
    const char *in = tu_need(&tok), *out = tu_need(&tok);
    ct_value *v = ct_load_pt(in);
    if (!v || ct_save_pt(out, v) != CT_OK) print_error();
    else printf("saved\n");
    ct_value_free(v);
  } else if (!strcmp(cmd, "linear_save")) {
    long long seed = tu_next_int(&tok), in = tu_next_int(&tok), out = tu_next_int(&tok);
    ct_manual_seed((uint64_t)seed);
    ct_module *m = ct_linear_new(in, out, true);
    if (!m || ct_save_state_dict_pt(m, tu_need(&tok)) != CT_OK) print_error();
    else printf("saved\n");
    ct_module_free(m);
  } else if (!strcmp(cmd, "linear_load")) {
    long long in = tu_next_int(&tok), out = tu_next_int(&tok);
    ct_module *m = ct_linear_new(in, out, true);
    if (!m || ct_module_load_state_dict_pt(m, tu_need(&tok), true) != CT_OK) {
      print_error();
    } else {
      ct_named_list *sd = ct_module_state_dict(m);
      ct_value *dict = ct_value_dict();
      for (int i = 0; sd && i < sd->count; i++) {
        ct_tensor *plain = ct_detach(sd->items[i].tensor);
        ct_value_dict_set_str(dict, sd->items[i].name, ct_value_tensor(plain));
      }
      char *text = dump_text(dict);
      printf("ok%s\n", text ? text : "");
      free(text);
      ct_value_free(dict);
      ct_named_list_free(sd);
    }
    ct_module_free(m);
  } else {
    tu_bad_case("command", cmd);
  }
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }
