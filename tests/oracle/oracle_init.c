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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

static const char *opt(const char *s) { return strcmp(s, "-") ? s : NULL; }

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
  int nd = tu_parse_shape_list(tok[nargs + 2], shape);
  ct_tensor *t = ct_zeros(nd, shape, tu_parse_dtype(tok[nargs + 1]));
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
    tu_print_values(stdout, r, TU_BITS);
    printf(" rg=%d leaf=%d\n", ct_requires_grad(r), ct_is_leaf(r));
  }
}

static void run_command(char *cmd) {
  char *tok[16];
  int n = tu_split(cmd, tok, 16);
  if (!n) return;
  const char *op = tok[0];
  if (!strcmp(op, "seed")) {
    ct_manual_seed(strtoull(tok[1], NULL, 10));
    printf("ok\n");
  } else if (!strcmp(op, "linear")) {
    int64_t in = atoll(tok[1]), out = atoll(tok[2]);
    ct_dtype dt = tu_parse_dtype(tok[4]);
    ct_tensor *w = ct_zeros(2, (int64_t[]){out, in}, dt);
    ct_tensor *b = atoi(tok[3]) ? ct_zeros(1, &out, dt) : NULL;
    ct_set_requires_grad(w, true);
    if (b) ct_set_requires_grad(b, true);
    if (ct_init_linear_reset_(w, b) != CT_OK) {
      printf("ERR %s\n", ct_last_error());
    } else {
      printf("w");
      tu_print_values(stdout, w, TU_BITS);
      if (b) {
        printf(" b");
        tu_print_values(stdout, b, TU_BITS);
      }
      printf("\n");
    }
  } else if (!strcmp(op, "embedding")) {
    int64_t num = atoll(tok[1]), dim = atoll(tok[2]);
    ct_tensor *w = ct_zeros(2, (int64_t[]){num, dim}, tu_parse_dtype(tok[4]));
    ct_set_requires_grad(w, true);
    int64_t pad = strcmp(tok[3], "none") ? atoll(tok[3]) : CT_NO_PADDING_IDX;
    if (ct_init_embedding_reset_(w, pad) != CT_OK) {
      printf("ERR %s\n", ct_last_error());
    } else {
      printf("w");
      tu_print_values(stdout, w, TU_BITS);
      printf("\n");
    }
  } else if (!strcmp(op, "gain")) {
    double g = ct_init_calculate_gain(tok[1], strcmp(tok[2], "none") ? strtod(tok[2], NULL) : NAN);
    uint64_t u;
    memcpy(&u, &g, 8);
    if (isnan(g)) printf("ERR %s\n", ct_last_error());
    else printf("%016llx\n", (unsigned long long)u);
  } else if (!strcmp(op, "fan")) {
    int64_t shape[CT_MAX_DIMS], fi, fo;
    int nd = tu_parse_shape_list(tok[1], shape);
    ct_tensor *t = ct_zeros(nd, shape, CT_FLOAT32);
    if (ct_init_calculate_fan_in_and_fan_out(t, &fi, &fo) != CT_OK) printf("ERR %s\n", ct_last_error());
    else printf("%lld %lld\n", (long long)fi, (long long)fo);
  } else {
    run_init(tok, n);
  }
}

static void run_line(char *line) { tu_for_each_command(line, run_command); }

int main(void) { return tu_oracle_main(run_line, TU_NO_SCOPE); }
