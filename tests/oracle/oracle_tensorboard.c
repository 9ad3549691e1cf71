// Replays oracle_tensorboard.py's calls on a ct_summary_writer: one call per stdin line,
// strings hex-encoded UTF-8, numbers as Python's float.hex(). Answers "ok" or
// "err <message>" and a record end per line. Usage: oracle_tensorboard LOG_DIR;
// oracle_tensorboard --default-logdir COMMENT opens a writer with the default log dir in
// the current directory and prints the directory's name.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"

#define RECORD_END "@@END@@"

static char *next(void) { return strtok(NULL, " \n"); }
static long long next_int(void) { return strtoll(next(), NULL, 10); }
static double next_double(void) { return strtod(next(), NULL); }

// Decodes a hex token in place into a string.
static char *next_text(void) {
  char *hex = next();
  if (strcmp(hex, "-") == 0) return hex + 1; // "" (the empty string)
  size_t n = strlen(hex) / 2;
  for (size_t i = 0; i < n; i++) {
    unsigned byte;
    sscanf(hex + 2 * i, "%2x", &byte);
    hex[i] = (char)byte;
  }
  hex[n] = '\0';
  return hex;
}

// "<dtype> <ndim> <shape...> <values...>" as a new tensor.
static ct_tensor *next_tensor(void) {
  ct_dtype dtype = strcmp(next(), "float32") == 0 ? CT_FLOAT32 : CT_FLOAT64;
  int ndim = (int)next_int();
  int64_t shape[8], numel = 1;
  for (int d = 0; d < ndim; d++) numel *= shape[d] = next_int();
  ct_tensor *t = ct_zeros(ndim, shape, CT_FLOAT64);
  double *data = ct_data_ptr(t);
  for (int64_t i = 0; i < numel; i++) data[i] = next_double();
  return dtype == CT_FLOAT64 ? t : ct_to_dtype(t, CT_FLOAT32);
}

static ct_status run(ct_summary_writer *w, const char *call) {
  if (strcmp(call, "scalar") == 0) {
    char *tag = next_text();
    double v = next_double();
    return ct_summary_add_scalar(w, tag, v, next_int());
  }
  if (strcmp(call, "scalars") == 0) {
    char *main_tag = next_text();
    size_t n = (size_t)next_int();
    const char *tags[16];
    double values[16];
    for (size_t i = 0; i < n; i++) {
      tags[i] = next_text();
      values[i] = next_double();
    }
    return ct_summary_add_scalars(w, main_tag, tags, values, n, next_int());
  }
  if (strcmp(call, "hist") == 0) {
    char *tag = next_text();
    int64_t step = next_int(), bins = next_int(), max_bins = next_int();
    return ct_summary_add_histogram_bins(w, tag, next_tensor(), step, bins, max_bins);
  }
  if (strcmp(call, "text") == 0) {
    char *tag = next_text();
    char *text = next_text();
    return ct_summary_add_text(w, tag, text, next_int());
  }
  if (strcmp(call, "image") == 0) {
    char *tag = next_text();
    int64_t step = next_int();
    char *kind = next();
    ct_tensor *img = next_tensor();
    if (strcmp(kind, "uint8") == 0) img = ct_to_dtype(img, CT_INT64);
    return ct_summary_add_image(w, tag, img, step);
  }
  if (strcmp(call, "hparams") == 0) {
    char *run_name = next_text();
    size_t nh = (size_t)next_int();
    ct_hparam hp[16];
    for (size_t i = 0; i < nh; i++) {
      hp[i] = (ct_hparam){.name = next_text()};
      char *kind = next();
      hp[i].kind = kind[0] == 'n' ? CT_HPARAM_NUMBER : kind[0] == 's' ? CT_HPARAM_STRING : CT_HPARAM_BOOL;
      if (kind[0] == 'n') hp[i].number = next_double();
      else if (kind[0] == 's') hp[i].string = next_text();
      else hp[i].boolean = next_int() != 0;
    }
    size_t nm = (size_t)next_int();
    const char *names[16];
    double values[16];
    for (size_t i = 0; i < nm; i++) {
      names[i] = next_text();
      values[i] = next_double();
    }
    return ct_summary_add_hparams(w, hp, nh, names, values, nm, run_name);
  }
  if (strcmp(call, "flush") == 0) return ct_summary_writer_flush(w);
  fprintf(stderr, "unknown call %s\n", call);
  exit(2);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--default-logdir") == 0) {
    ct_summary_writer_options d = ct_summary_writer_defaults();
    d.comment = argv[2];
    ct_summary_writer *w = ct_summary_writer_open_with(&d);
    if (!w) return 1;
    printf("%s\n", ct_summary_writer_log_dir(w));
    return ct_summary_writer_close(w) == CT_OK ? 0 : 1;
  }
  if (argc != 2) return 2;
  ct_summary_writer_options o = ct_summary_writer_defaults();
  o.log_dir = argv[1];
  o.has_purge_step = true;
  o.purge_step = 7;
  ct_summary_writer *w = ct_summary_writer_open_with(&o);
  if (!w) {
    fprintf(stderr, "%s\n", ct_last_error());
    return 1;
  }
  static char line[1 << 20];
  while (fgets(line, sizeof line, stdin)) {
    ct_scope *s = ct_scope_open();
    char *call = strtok(line, " \n");
    if (run(w, call) == CT_OK) printf("ok\n");
    else printf("err %s\n", ct_last_error());
    printf(RECORD_END "\n");
    ct_scope_close(s);
  }
  return ct_summary_writer_close(w) == CT_OK ? 0 : 1;
}
