// Oracle program for nn.init (driven by oracle_init.py). One case per stdin line: commands
// separated by " ; ", each answered by one output line, then "@@END@@".
//   seed <s>
//   linear <in> <out> <bias 0|1> <dt>         ct_init_linear_reset_ on zeros weight/bias
//   embedding <num> <dim> <pad|none> <dt>     ct_init_embedding_reset_
//   <init> <args..> <dt> <shape> <rg 0|1>     init: uniform a b | normal mean std |
//       constant v | zeros | ones | xavier_uniform gain | xavier_normal gain |
//       kaiming_uniform a mode nonlinearity | kaiming_normal a mode nonlinearity
//       ("-" for a NULL mode/nonlinearity); on a zeros tensor that requires grad when rg=1;
//       prints the values, then requires_grad and is_leaf of the result
//   gain <nonlinearity> <param|none>          calculate_gain as double bits
//   fan <shape>                               fan_in fan_out
// Values print as bit patterns in hex; errors print "ERR <msg>".
#define _POSIX_C_SOURCE 200809L // getline, strtok_r
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"

static ct_dtype parse_dtype(const char *s) { return !strcmp(s, "f64") ? CT_FLOAT64 : CT_FLOAT32; }

static int parse_shape(const char *s, int64_t *shape) {
  if (!strcmp(s, "s")) return 0;
  int n = 0;
  for (char *p = (char *)s; *p && n < CT_MAX_DIMS; p += (*p == ',')) shape[n++] = strtoll(p, &p, 10);
  return n;
}

static const char *opt(const char *s) { return strcmp(s, "-") ? s : NULL; }

static void print_values(const ct_tensor *t) {
  int64_t n = ct_numel(t);
  const char *p = ct_data_ptr(t); // results here are contiguous
  for (int64_t k = 0; k < n; k++) {
    if (ct_get_dtype(t) == CT_FLOAT32) {
      uint32_t u;
      memcpy(&u, p + 4 * k, 4);
      printf(" %08x", u);
    } else {
      uint64_t u;
      memcpy(&u, p + 8 * k, 8);
      printf(" %016llx", (unsigned long long)u);
    }
  }
}

static void run_init(char **tok, int n) {
  const char *op = tok[0];
  int nargs = !strcmp(op, "zeros") || !strcmp(op, "ones") ? 0
              : !strcmp(op, "constant") || !strncmp(op, "xavier", 6) ? 1
              : !strncmp(op, "kaiming", 7) ? 3 : 2;
  if (n < nargs + 4) {
    fprintf(stderr, "bad command %s\n", op);
    exit(2);
  }
  int64_t shape[CT_MAX_DIMS];
  int nd = parse_shape(tok[nargs + 2], shape);
  ct_tensor *t = ct_zeros(nd, shape, parse_dtype(tok[nargs + 1]));
  if (atoi(tok[nargs + 3])) ct_set_requires_grad(t, true);
  double a = nargs ? strtod(tok[1], NULL) : 0, b = nargs > 1 ? strtod(tok[2], NULL) : 0;
  ct_tensor *r = NULL;
  if (!strcmp(op, "uniform")) r = ct_init_uniform_(t, a, b);
  else if (!strcmp(op, "normal")) r = ct_init_normal_(t, a, b);
  else if (!strcmp(op, "constant")) r = ct_init_constant_(t, a);
  else if (!strcmp(op, "zeros")) r = ct_init_zeros_(t);
  else if (!strcmp(op, "ones")) r = ct_init_ones_(t);
  else if (!strcmp(op, "xavier_uniform")) r = ct_init_xavier_uniform_(t, a);
  else if (!strcmp(op, "xavier_normal")) r = ct_init_xavier_normal_(t, a);
  else if (!strcmp(op, "kaiming_uniform")) r = ct_init_kaiming_uniform_(t, a, opt(tok[2]), opt(tok[3]));
  else if (!strcmp(op, "kaiming_normal")) r = ct_init_kaiming_normal_(t, a, opt(tok[2]), opt(tok[3]));
  if (!r) {
    printf("ERR %s\n", ct_last_error());
  } else {
    printf("%s", r == t ? "same" : "other");
    print_values(r);
    printf(" rg=%d leaf=%d\n", ct_requires_grad(r), ct_is_leaf(r));
  }
  ct_release(t);
}

static void run_command(char *cmd) {
  char *tok[16], *save;
  int n = 0;
  for (char *t = strtok_r(cmd, " ", &save); t && n < 16; t = strtok_r(NULL, " ", &save)) tok[n++] = t;
  if (!n) return;
  const char *op = tok[0];
  if (!strcmp(op, "seed")) {
    ct_manual_seed(strtoull(tok[1], NULL, 10));
    printf("ok\n");
  } else if (!strcmp(op, "linear")) {
    int64_t in = atoll(tok[1]), out = atoll(tok[2]);
    ct_dtype dt = parse_dtype(tok[4]);
    ct_tensor *w = ct_zeros(2, (int64_t[]){out, in}, dt);
    ct_tensor *b = atoi(tok[3]) ? ct_zeros(1, &out, dt) : NULL;
    ct_set_requires_grad(w, true);
    if (b) ct_set_requires_grad(b, true);
    if (ct_init_linear_reset_(w, b) != CT_OK) {
      printf("ERR %s\n", ct_last_error());
    } else {
      printf("w");
      print_values(w);
      if (b) {
        printf(" b");
        print_values(b);
      }
      printf("\n");
    }
    ct_release(w);
    ct_release(b);
  } else if (!strcmp(op, "embedding")) {
    int64_t num = atoll(tok[1]), dim = atoll(tok[2]);
    ct_tensor *w = ct_zeros(2, (int64_t[]){num, dim}, parse_dtype(tok[4]));
    ct_set_requires_grad(w, true);
    int64_t pad = strcmp(tok[3], "none") ? atoll(tok[3]) : CT_NO_PADDING_IDX;
    if (ct_init_embedding_reset_(w, pad) != CT_OK) {
      printf("ERR %s\n", ct_last_error());
    } else {
      printf("w");
      print_values(w);
      printf("\n");
    }
    ct_release(w);
  } else if (!strcmp(op, "gain")) {
    double g = ct_init_calculate_gain(tok[1], strcmp(tok[2], "none") ? strtod(tok[2], NULL) : NAN);
    uint64_t u;
    memcpy(&u, &g, 8);
    if (isnan(g)) printf("ERR %s\n", ct_last_error());
    else printf("%016llx\n", (unsigned long long)u);
  } else if (!strcmp(op, "fan")) {
    int64_t shape[CT_MAX_DIMS], fi, fo;
    int nd = parse_shape(tok[1], shape);
    ct_tensor *t = ct_zeros(nd, shape, CT_FLOAT32);
    if (ct_init_calculate_fan_in_and_fan_out(t, &fi, &fo) != CT_OK) printf("ERR %s\n", ct_last_error());
    else printf("%lld %lld\n", (long long)fi, (long long)fo);
    ct_release(t);
  } else {
    run_init(tok, n);
  }
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, stdin) > 0) {
    line[strcspn(line, "\n")] = '\0';
    char *save;
    for (char *cmd = strtok_r(line, ";", &save); cmd; cmd = strtok_r(NULL, ";", &save)) run_command(cmd);
    printf("@@END@@\n");
    fflush(stdout);
  }
  free(line);
  return 0;
}
