// The file-format oracles' helpers (file_oracle.h).
#define _POSIX_C_SOURCE 200809L // open_memstream
#include "file_oracle.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEEN 4096

typedef struct dumper {
  FILE *out;
  ct_tensor *seen[MAX_SEEN]; // first tensor of each storage, by id
  int nseen;
} dumper;

static void hex(FILE *out, const void *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    fprintf(out, "%02x", ((const unsigned char *)p)[i]);
}

static void ints(FILE *out, const int64_t *v, int n) {
  fputc(' ', out);
  if (!n) fputc('s', out);
  for (int i = 0; i < n; i++)
    fprintf(out, "%s%" PRId64, i ? "," : "", v[i]);
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
  if (n)
    fprintf(d->out, " %d", id);
  else
    fprintf(d->out, " -");
  fprintf(d->out, " %d %d ", (int)ct_requires_grad(t), (int)ct_is_parameter(t));
  const char *base = ct_data_ptr(t);
  const int64_t *shape = ct_shape(t), *strides = ct_strides(t);
  int64_t index[CT_MAX_DIMS] = {0};
  for (int64_t i = 0; i < n; i++) {
    int64_t off = 0;
    for (int k = 0; k < nd; k++)
      off += index[k] * strides[k];
    hex(d->out, base + off * (int64_t)size, size);
    for (int k = nd - 1; k >= 0 && ++index[k] == shape[k]; k--)
      index[k] = 0;
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
  case CT_VALUE_UINT8:
    fprintf(d->out, " uint8 ");
    hex(d->out, ct_value_as_uint8(v), (size_t)ct_value_len(v));
    if (!ct_value_len(v)) fputc('-', d->out);
    break;
  case CT_VALUE_LIST:
  case CT_VALUE_TUPLE:
    fprintf(d->out, " %s %" PRId64, ct_value_get_kind(v) == CT_VALUE_LIST ? "list" : "tuple",
            ct_value_len(v));
    for (int64_t i = 0; i < ct_value_len(v); i++)
      dump(d, ct_value_at(v, i));
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

char *tu_dump_value(const ct_value *v) {
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

void tu_print_error_line(void) {
  char *msg = strdup(ct_last_error());
  for (char *p = msg; p && *p; p++)
    if (*p == '\n') *p = ' ';
  printf("error %s\n", msg ? msg : "?");
  free(msg);
}
