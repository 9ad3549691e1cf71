// Oracle program for random numbers (driven by oracle_random.py). One case per stdin line:
// commands separated by " ; ", each answered by one output line, then "@@END@@".
//
// Generators: slot 0 is the default generator; `gnew <k>` makes slot k a new generator
// (torch.Generator()). A trailing "@k" on any drawing command uses slot k.
//   seed <s> [@k]                       manual_seed (s as unsigned 64-bit)
//   initial_seed [@k] | r32 [@k] | r64 [@k]
//   state [@k]                          state blob as hex
//   save [@k] / load [@k]               get_state into / set_state from a saved blob
//   rand|randn <dt> <shape> [@k]         shape "2,3", or "s" for 0-d
//   randint <lo> <hi> <dt> <shape> [@k] / randperm <n> [@k]
//   dataloader <n> [@k]                 one DataLoader(range(n), shuffle=True) epoch's order
//   <inplace> <a> <b> <dt> <base> <view> [@k]   inplace: uniform_ normal_ random_ (a, b) and
//   bernoulli_ <p> <dt> <base> <view> [@k]      bernoulli_; runs on a view of zeros(base)
//   rand_like|randn_like <dt> <base> <view> [@k] / bernoulli <p> <dt> <base> <view> [@k]
// <view> is "c" (the base itself) or transforms joined by "/": "p<d>.<d>..." permute,
// "s<dim>.<start>.<stop>.<step>" slice. In-place commands print the whole base buffer;
// *_like print the result's strides and values (row-major). Values print as bit patterns
// in hex (float32: 8 digits, float64: 16) or as decimal integers. Errors print "ERR <msg>".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

#define MAX_SLOTS 8
static ct_generator *slots[MAX_SLOTS];
static unsigned char saved[MAX_SLOTS][CT_GENERATOR_STATE_SIZE];

// Splits a command into tokens; a trailing "@k" selects the generator slot.
static int tokenize(char *cmd, char **tok, int max, ct_generator **gen) {
  int n = tu_split(cmd, tok, max);
  *gen = NULL;
  if (n && tok[n - 1][0] == '@') {
    int k = atoi(tok[n - 1] + 1);
    *gen = k ? slots[k] : ct_default_generator();
    n--;
  }
  return n;
}

static void print_tensor(const ct_tensor *t, bool with_strides) {
  if (!t) {
    printf("ERR %s\n", ct_last_error());
    return;
  }
  printf("%s [", ct_dtype_name(ct_get_dtype(t)));
  for (int d = 0; d < ct_dim(t); d++) printf("%s%lld", d ? "," : "", (long long)ct_shape(t)[d]);
  printf("]");
  if (with_strides) {
    printf(" (");
    for (int d = 0; d < ct_dim(t); d++) printf("%s%lld", d ? "," : "", (long long)ct_strides(t)[d]);
    printf(")");
  }
  tu_print_values(stdout, t, TU_BITS);
  printf("\n");
}

// A view of `base` described by `spec`, built with ct_from_blob over base's buffer.
static ct_tensor *make_view(ct_tensor *base, const char *spec) {
  int nd = ct_dim(base);
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS], offset = 0;
  memcpy(shape, ct_shape(base), sizeof(int64_t) * (size_t)nd);
  memcpy(strides, ct_strides(base), sizeof(int64_t) * (size_t)nd);
  for (const char *p = spec; *p && *p != 'c';) {
    if (*p == 'p') {
      int64_t s2[CT_MAX_DIMS], st2[CT_MAX_DIMS];
      char *q = (char *)p + 1;
      for (int d = 0; d < nd; d++) {
        int src = (int)strtol(q, &q, 10);
        s2[d] = shape[src];
        st2[d] = strides[src];
        if (*q == '.') q++;
      }
      memcpy(shape, s2, sizeof s2);
      memcpy(strides, st2, sizeof st2);
      p = q;
    } else if (*p == 's') {
      char *q = (char *)p + 1;
      int dim = (int)strtol(q, &q, 10);
      int64_t start = strtoll(q + 1, &q, 10), stop = strtoll(q + 1, &q, 10), step = strtoll(q + 1, &q, 10);
      if (stop > shape[dim]) stop = shape[dim]; // Python's slice clamping
      offset += start * strides[dim];
      shape[dim] = stop > start ? (stop - start + step - 1) / step : 0;
      strides[dim] *= step;
      p = q;
    }
    if (*p == '/') p++;
  }
  char *data = (char *)ct_data_ptr(base) + offset * (int64_t)ct_dtype_size(ct_get_dtype(base));
  return ct_from_blob(data, ct_get_dtype(base), nd, shape, strides, NULL, NULL);
}

static void print_hex_state(ct_generator *g) {
  unsigned char buf[CT_GENERATOR_STATE_SIZE];
  if (ct_generator_get_state(g, buf, sizeof buf) != CT_OK) {
    printf("ERR %s\n", ct_last_error());
    return;
  }
  for (size_t i = 0; i < sizeof buf; i++) printf("%02x", buf[i]);
  printf("\n");
}

static int slot_of(ct_generator *g) {
  for (int k = 1; k < MAX_SLOTS; k++)
    if (slots[k] && slots[k] == g) return k;
  return 0;
}

// Commands on a view of a fresh zeros(base) tensor.
static void run_view_command(char **tok, int n, ct_generator *g) {
  const char *op = tok[0];
  bool two_args = strcmp(op, "bernoulli_") && strcmp(op, "bernoulli") && strcmp(op, "rand_like") &&
                  strcmp(op, "randn_like");
  bool one_arg = !strcmp(op, "bernoulli_") || !strcmp(op, "bernoulli");
  int a = 1 + (two_args ? 2 : one_arg ? 1 : 0);
  if (n < a + 3) {
    fprintf(stderr, "bad command %s\n", op);
    exit(2);
  }
  int64_t shape[CT_MAX_DIMS];
  int nd = tu_parse_shape_list(tok[a + 1], shape);
  ct_scope *s = ct_scope_open();
  ct_tensor *base = ct_zeros(nd, shape, tu_parse_dtype(tok[a]));
  ct_tensor *v = make_view(base, tok[a + 2]);
  ct_tensor *r = NULL;
  if (!strcmp(op, "uniform_")) r = ct_uniform_gen_(v, strtod(tok[1], NULL), strtod(tok[2], NULL), g);
  else if (!strcmp(op, "normal_")) r = ct_normal_gen_(v, strtod(tok[1], NULL), strtod(tok[2], NULL), g);
  else if (!strcmp(op, "random_")) r = ct_random_gen_(v, strtoll(tok[1], NULL, 10), strtoll(tok[2], NULL, 10), g);
  else if (!strcmp(op, "bernoulli_")) r = ct_bernoulli_gen_(v, strtod(tok[1], NULL), g);
  else if (!strcmp(op, "bernoulli")) r = ct_bernoulli_gen(v, strtod(tok[1], NULL), g);
  else if (!strcmp(op, "rand_like")) r = ct_rand_like_gen(v, g);
  else if (!strcmp(op, "randn_like")) r = ct_randn_like_gen(v, g);
  if (!r) printf("ERR %s\n", ct_last_error());
  else if (op[strlen(op) - 1] == '_') print_tensor(base, false);
  else print_tensor(r, true);
  ct_scope_close(s);
}

static void run_command(char *cmd) {
  char *tok[16];
  ct_generator *g;
  int n = tokenize(cmd, tok, 16, &g);
  if (!n) return;
  const char *op = tok[0];
  int64_t shape[CT_MAX_DIMS];
  if (!strcmp(op, "seed")) {
    ct_generator_manual_seed(g, strtoull(tok[1], NULL, 10));
    printf("ok\n");
  } else if (!strcmp(op, "gnew")) {
    int k = atoi(tok[1]);
    ct_generator_free(slots[k]);
    slots[k] = ct_generator_new();
    printf("ok\n");
  } else if (!strcmp(op, "initial_seed")) {
    printf("%llu\n", (unsigned long long)ct_generator_initial_seed(g));
  } else if (!strcmp(op, "r32")) {
    printf("%u\n", ct_generator_random(g));
  } else if (!strcmp(op, "r64")) {
    printf("%llu\n", (unsigned long long)ct_generator_random64(g));
  } else if (!strcmp(op, "state")) {
    print_hex_state(g);
  } else if (!strcmp(op, "save")) {
    ct_generator_get_state(g, saved[slot_of(g)], CT_GENERATOR_STATE_SIZE);
    printf("ok\n");
  } else if (!strcmp(op, "load")) {
    if (ct_generator_set_state(g, saved[slot_of(g)], CT_GENERATOR_STATE_SIZE) != CT_OK)
      printf("ERR %s\n", ct_last_error());
    else printf("ok\n");
  } else if (!strcmp(op, "rand") || !strcmp(op, "randn")) {
    int nd = tu_parse_shape_list(tok[2], shape);
    ct_tensor *t = (op[4] == 'n' ? ct_randn_gen : ct_rand_gen)(nd, shape, tu_parse_dtype(tok[1]), g);
    print_tensor(t, false);
  } else if (!strcmp(op, "randint")) {
    int nd = tu_parse_shape_list(tok[4], shape);
    ct_tensor *t = ct_randint_gen(strtoll(tok[1], NULL, 10), strtoll(tok[2], NULL, 10), nd, shape,
                                  tu_parse_dtype(tok[3]), g);
    print_tensor(t, false);
  } else if (!strcmp(op, "randperm")) {
    ct_tensor *t = ct_randperm_gen(strtoll(tok[1], NULL, 10), g);
    print_tensor(t, false);
  } else if (!strcmp(op, "dataloader")) {
    // One exhausted epoch of DataLoader(range(n), shuffle=True): the iterator draws _base_seed;
    // RandomSampler then uses a fresh generator seeded from a second draw, or, when the loader
    // has a generator, that generator, which also draws a discarded second permutation when
    // the sampler runs out (its `randperm(n)[:num_samples % n]` tail).
    int64_t items = strtoll(tok[1], NULL, 10);
    ct_generator *loader_gen = g ? g : ct_default_generator();
    ct_generator_random64(loader_gen);
    ct_generator *sampler = g;
    if (!g) {
      sampler = ct_generator_new();
      ct_generator_manual_seed(sampler, ct_generator_random64(NULL) % (UINT64_C(1) << 63));
    }
    ct_tensor *t = ct_randperm_gen(items, sampler);
    print_tensor(t, false);
    if (g) ct_randperm_gen(items, g); // drawn and discarded, as the sampler's tail
    else ct_generator_free(sampler);
  } else {
    run_view_command(tok, n, g);
  }
}

static void run_line(char *line) { tu_for_each_command(line, run_command); }

int main(void) {
  int status = tu_oracle_main(run_line, TU_NO_SCOPE);
  for (int k = 0; k < MAX_SLOTS; k++) ct_generator_free(slots[k]);
  return status;
}
