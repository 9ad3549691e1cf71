// Oracle program for nn modules (driven by oracle_nn.py). One case per stdin line: commands
// separated by " ; ", each answered by one or more output lines, then "@@END@@". A case
// runs inside one scope; its model is freed at the end of the case.
//   seed <s>                     manual_seed
//   build <spec>                 the model (grammar below); "ok" or "ERR <msg>"
//   repr                         the module repr
//   params                       "P <name> <shape> rg=<0|1> | <hex values>" per named parameter
//   keys                         "K <state_dict keys...>"
//   modes                        "M <training flag of each module, pre-order>"
//   train <path> <0|1>           submodule.train(mode) ("-" is the model itself)
//   freeze <path> <0|1>          submodule.requires_grad_(flag)
//   in <shape> <rg 0|1>          x = randn(shape) float32 (a leaf)
//   ini <low> <high> <shape>     x = randint(low, high, shape) (int64)
//   tr <d0> <d1>                 x = x.transpose(d0, d1) (a view; the leaf stays the same)
//   fwd                          y = model(x): "Y <shape> fn=<grad_fn|None> same=<y is x> | <hex>"
//   back                         y.backward(randn(y.shape)), then the grads (as `grads`)
//   grads                        "G <name> None" or "G <name> <shape> | <hex>" per parameter,
//                                then "GX ..." for the input leaf
//   zero <set_to_none 0|1>       zero_grad, then the grads
//   rand                         "R <hex of rand(3)>" (checks the generator position)
//   lsd <strict> <entries>       load_state_dict of entries "name:shape[:f64]" (randn values) or
//                                "name:none" (a NULL tensor), comma separated
//   save <dir> / load <dir>      ct_module_save / ct_module_load
// Spec grammar: Linear(in,out,bias) Embedding(num,dim,pad|n) ReLU Sigmoid Tanh GELU Identity
// LeakyReLU(slope) Dropout(p) Softmax(dim) LogSoftmax(dim) Flatten(start,end)
// Bilinear(in1,in2,out,bias) EmbeddingBag(num,dim,mode 0|1|2,pad|n) SiLU Mish ELU(alpha) Hardtanh(min,max) Softplus(beta,threshold) Sequential(spec,...)
// ModuleList(spec,...) ModuleDict(key=spec,...) and custom modules Net/Block/Encoder/MultilayerPerceptron(item,...)
// whose items are "name=spec" (a child) or "@name=<shape>" (a randn parameter). A custom
// forward chains its children, then adds its own parameters. Shapes: "2x3", "s" (0-d).
#define _POSIX_C_SOURCE 200809L // getline, strtok_r
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "oracle_io.h"

// ---- custom modules ----

#define MAX_OWN 8
typedef struct custom_module {
  ct_module base;
  ct_tensor *own[MAX_OWN]; // registered parameters, in order (borrowed)
  int n_own;
} custom_module;

static ct_tensor *custom_forward(ct_module *self, ct_tensor *x) {
  custom_module *m = (custom_module *)self;
  for (int i = 0; i < ct_module_num_children(self) && x; i++) x = ct_module_forward(ct_module_child(self, i), x);
  for (int i = 0; i < m->n_own; i++) x = ct_add(x, m->own[i]);
  return x;
}

static void block_repr(const ct_module *self, char *buf, size_t cap) {
  (void)self;
  snprintf(buf, cap, "hidden=3");
}
static void encoder_repr(const ct_module *self, char *buf, size_t cap) {
  (void)self;
  snprintf(buf, cap, "a=1\nb=2");
}

static const ct_module_vtable custom_vtables[] = {
    {"Net", custom_forward, NULL, NULL},
    {"Block", custom_forward, block_repr, NULL},
    {"Encoder", custom_forward, encoder_repr, NULL},
    {"MultilayerPerceptron", custom_forward, NULL, NULL},
};

// ---- parsing ----

static int parse_shape(const char *s, int64_t *shape) {
  if (!strcmp(s, "s")) return 0;
  int n = 0;
  for (char *p = (char *)s; *p && n < CT_MAX_DIMS; p += (*p == 'x')) shape[n++] = strtoll(p, &p, 10);
  return n;
}

static void expect(const char **p, char c) {
  if (**p != c) {
    fprintf(stderr, "spec: expected '%c' at \"%s\"\n", c, *p);
    exit(2);
  }
  (*p)++;
}

static long long int_arg(const char **p) {
  char *end;
  long long v = strtoll(*p, &end, 10);
  *p = end;
  if (**p == ',') (*p)++;
  return v;
}

static double float_arg(const char **p) {
  char *end;
  double v = strtod(*p, &end);
  *p = end;
  if (**p == ',') (*p)++;
  return v;
}

static ct_module *parse_spec(const char **p);

static ct_module *parse_custom(const ct_module_vtable *vt, const char **p) {
  custom_module *m = ct_module_new(sizeof *m, vt);
  bool ok = m != NULL;
  expect(p, '(');
  while (**p != ')') {
    bool is_param = **p == '@';
    *p += is_param;
    size_t len = strcspn(*p, "=");
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)len, *p);
    *p += len + 1;
    if (is_param) {
      size_t slen = strcspn(*p, ",)");
      char text[64];
      snprintf(text, sizeof text, "%.*s", (int)slen, *p);
      *p += slen;
      int64_t shape[CT_MAX_DIMS];
      int nd = parse_shape(text, shape);
      ct_tensor *t = ct_randn(nd, shape, CT_FLOAT32);
      if (ok && !ct_module_register_parameter(&m->base, name, t)) ok = false;
      if (ok) m->own[m->n_own++] = t;
    } else {
      ct_module *child = parse_spec(p);
      if (ok && !ct_module_register_module(&m->base, name, child)) ok = false;
      else if (!ok) ct_module_free(child);
    }
    if (**p == ',') (*p)++;
  }
  (*p)++;
  if (!ok) {
    if (m) ct_module_free(&m->base);
    return NULL;
  }
  return &m->base;
}

static ct_module *parse_spec(const char **p) {
  size_t len = strspn(*p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
  char id[32];
  snprintf(id, sizeof id, "%.*s", (int)len, *p);
  *p += len;
  for (size_t i = 0; i < sizeof custom_vtables / sizeof *custom_vtables; i++)
    if (!strcmp(id, custom_vtables[i].name)) return parse_custom(&custom_vtables[i], p);
  bool has_args = **p == '(';
  if (has_args) (*p)++;
  ct_module *m = NULL;
  if (!strcmp(id, "Sequential")) {
    ct_module *items[32];
    int n = 0;
    while (**p != ')') {
      items[n++] = parse_spec(p);
      if (**p == ',') (*p)++;
    }
    m = ct_sequential_new(n, items);
  } else if (!strcmp(id, "ModuleList")) {
    m = ct_module_list_new(0, NULL);
    while (**p != ')') {
      ct_module *item = parse_spec(p);
      if (m && ct_module_list_append(m, item) != CT_OK) ct_module_free(m), m = NULL;
      if (**p == ',') (*p)++;
    }
  } else if (!strcmp(id, "ModuleDict")) {
    m = ct_module_dict_new(0, NULL, NULL);
    while (**p != ')') {
      size_t klen = strcspn(*p, "=");
      char key[64];
      snprintf(key, sizeof key, "%.*s", (int)klen, *p);
      *p += klen + 1;
      ct_module *item = parse_spec(p);
      if (m && ct_module_dict_set(m, key, item) != CT_OK) ct_module_free(m), m = NULL;
      if (**p == ',') (*p)++;
    }
  } else if (!strcmp(id, "EmbeddingBag")) {
    long long num = int_arg(p), dim = int_arg(p), mode = int_arg(p), pad = CT_NO_PADDING_IDX;
    if (**p == 'n') (*p)++;
    else pad = int_arg(p);
    m = ct_embedding_bag_new(num, dim, (ct_embedding_bag_mode)mode, false, pad);
  } else if (!strcmp(id, "Bilinear")) {
    long long in1 = int_arg(p), in2 = int_arg(p), out = int_arg(p), bias = int_arg(p);
    m = ct_bilinear_new(in1, in2, out, bias != 0);
  } else if (!strcmp(id, "ELU")) {
    m = ct_elu_new(float_arg(p));
  } else if (!strcmp(id, "Hardtanh")) {
    double lo = float_arg(p), hi = float_arg(p);
    m = ct_hardtanh_new(lo, hi);
  } else if (!strcmp(id, "Softplus")) {
    double beta = float_arg(p), threshold = float_arg(p);
    m = ct_softplus_new(beta, threshold);
  } else if (!strcmp(id, "SiLU")) {
    m = ct_silu_new();
  } else if (!strcmp(id, "Mish")) {
    m = ct_mish_new();
  } else if (!strcmp(id, "Linear")) {
    long long in = int_arg(p), out = int_arg(p), bias = int_arg(p);
    m = ct_linear_new(in, out, bias != 0);
  } else if (!strcmp(id, "Embedding")) {
    long long num = int_arg(p), dim = int_arg(p), pad = CT_NO_PADDING_IDX;
    if (**p == 'n') (*p)++;
    else pad = int_arg(p);
    m = ct_embedding_new(num, dim, pad);
  } else if (!strcmp(id, "LeakyReLU")) {
    m = ct_leaky_relu_new(float_arg(p));
  } else if (!strcmp(id, "Dropout")) {
    m = ct_dropout_new(float_arg(p));
  } else if (!strcmp(id, "Softmax")) {
    m = ct_softmax_new((int)int_arg(p));
  } else if (!strcmp(id, "LogSoftmax")) {
    m = ct_log_softmax_new((int)int_arg(p));
  } else if (!strcmp(id, "Flatten")) {
    long long s = int_arg(p), e = int_arg(p);
    m = ct_flatten_new((int)s, (int)e);
  } else if (!strcmp(id, "ReLU")) {
    m = ct_relu_new();
  } else if (!strcmp(id, "Sigmoid")) {
    m = ct_sigmoid_new();
  } else if (!strcmp(id, "Tanh")) {
    m = ct_tanh_new();
  } else if (!strcmp(id, "GELU")) {
    m = ct_gelu_new();
  } else if (!strcmp(id, "Identity")) {
    m = ct_identity_new();
  } else {
    fprintf(stderr, "spec: unknown module '%s'\n", id);
    exit(2);
  }
  if (has_args) expect(p, ')');
  return m;
}

// ---- printing ----

static void print_shape(const ct_tensor *t) {
  printf("[");
  for (int d = 0; d < ct_dim(t); d++) printf("%s%lld", d ? ", " : "", (long long)ct_shape(t)[d]);
  printf("]");
}

static void print_values(ct_tensor *t) {
  ct_scope *s = ct_scope_open();
  ct_tensor *c = ct_contiguous(ct_detach(t));
  const char *data = ct_data_ptr(c);
  printf(" |");
  for (int64_t k = 0; k < ct_numel(c); k++) {
    if (ct_get_dtype(c) == CT_FLOAT32) {
      uint32_t u;
      memcpy(&u, data + 4 * k, 4);
      printf(" %08x", u);
    } else if (ct_get_dtype(c) == CT_INT64) {
      int64_t v;
      memcpy(&v, data + 8 * k, 8);
      printf(" %lld", (long long)v);
    } else {
      uint64_t u;
      memcpy(&u, data + 8 * k, 8);
      printf(" %016llx", (unsigned long long)u);
    }
  }
  ct_scope_close(s);
}

static void print_error(void) { printf("ERR %s\n", ct_last_error()); }

// ---- case state ----

static ct_module *model;
static ct_tensor *leaf, *x, *y; // owned by the case scope

static ct_module *submodule(const char *path) {
  ct_module *m = model;
  if (!strcmp(path, "-")) return m;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  char *save;
  for (char *part = strtok_r(buf, ".", &save); part && m; part = strtok_r(NULL, ".", &save)) {
    ct_named_list *children = ct_module_named_children(m);
    ct_module *next = NULL;
    for (int i = 0; children && i < children->count; i++)
      if (!strcmp(children->items[i].name, part)) next = ct_module_child(m, i);
    ct_named_list_free(children);
    m = next;
  }
  return m;
}

static void print_params(void) {
  ct_named_list *l = ct_module_named_parameters(model);
  for (int i = 0; l && i < l->count; i++) {
    ct_tensor *p = l->items[i].tensor;
    printf("P %s ", l->items[i].name);
    print_shape(p);
    printf(" rg=%d", ct_requires_grad(p));
    print_values(p);
    printf("\n");
  }
  ct_named_list_free(l);
}

static void print_grad_line(const char *label, const ct_tensor *t) {
  ct_tensor *g = ct_grad(t);
  printf("%s", label);
  if (!g) {
    printf(" None\n");
    return;
  }
  printf(" ");
  print_shape(g);
  print_values(g);
  printf("\n");
}

static void print_grads(void) {
  ct_named_list *l = ct_module_named_parameters(model);
  for (int i = 0; l && i < l->count; i++) {
    char label[300];
    snprintf(label, sizeof label, "G %s", l->items[i].name);
    print_grad_line(label, l->items[i].tensor);
  }
  ct_named_list_free(l);
  if (leaf && ct_dtype_is_floating(ct_get_dtype(leaf))) print_grad_line("GX", leaf);
}

static void print_modes(ct_module *m) {
  printf(" %d", m->training);
  for (int i = 0; i < ct_module_num_children(m); i++) print_modes(ct_module_child(m, i));
}

// Builds a named list from "name:shape[:f64]" / "name:none" entries (values randn).
static void load_entries(bool strict, char *spec) {
  ct_named_list list = {0};
  ct_named_tensor items[32];
  list.items = items;
  char *save;
  for (char *e = strtok_r(spec, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
    char *colon = strchr(e, ':');
    *colon = '\0';
    ct_named_tensor *it = &items[list.count++];
    snprintf(it->name, sizeof it->name, "%s", e);
    char *shape_text = colon + 1, *dt = strchr(shape_text, ':');
    if (dt) *dt++ = '\0';
    if (!strcmp(shape_text, "none")) {
      it->tensor = NULL;
      continue;
    }
    int64_t shape[CT_MAX_DIMS];
    int nd = parse_shape(shape_text, shape);
    it->tensor = ct_randn(nd, shape, dt && !strcmp(dt, "f64") ? CT_FLOAT64 : CT_FLOAT32);
  }
  if (ct_module_load_state_dict(model, &list, strict) != CT_OK) print_error();
  else printf("ok\n");
}

static void run_command(char *cmd) {
  char *tok[8], *save;
  int n = 0;
  for (char *t = strtok_r(cmd, " ", &save); t && n < 8; t = strtok_r(NULL, " ", &save)) tok[n++] = t;
  if (!n) return;
  const char *op = tok[0];
  ct_clear_error();
  if (!strcmp(op, "seed")) {
    ct_manual_seed(strtoull(tok[1], NULL, 10));
    printf("ok\n");
  } else if (!strcmp(op, "build")) {
    const char *p = tok[1];
    ct_module_free(model);
    model = parse_spec(&p);
    if (model) printf("ok\n");
    else print_error();
  } else if (!strcmp(op, "repr")) {
    if (ct_module_print(model) != CT_OK) print_error();
  } else if (!strcmp(op, "params")) {
    print_params();
  } else if (!strcmp(op, "keys")) {
    tu_print_names("K", ct_module_state_dict(model));
  } else if (!strcmp(op, "modes")) {
    printf("M");
    print_modes(model);
    printf("\n");
  } else if (!strcmp(op, "train")) {
    ct_module_train(submodule(tok[1]), atoi(tok[2]) != 0);
    printf("ok\n");
  } else if (!strcmp(op, "freeze")) {
    ct_module_requires_grad_(submodule(tok[1]), atoi(tok[2]) != 0);
    printf("ok\n");
  } else if (!strcmp(op, "in") || !strcmp(op, "ini")) {
    int64_t shape[CT_MAX_DIMS];
    bool ints = !strcmp(op, "ini");
    int nd = parse_shape(tok[ints ? 3 : 1], shape);
    leaf = ints ? ct_randint(atoll(tok[1]), atoll(tok[2]), nd, shape) : ct_randn(nd, shape, CT_FLOAT32);
    if (!ints && atoi(tok[2])) ct_set_requires_grad(leaf, true);
    x = leaf;
    printf("ok\n");
  } else if (!strcmp(op, "tr")) {
    x = ct_transpose(x, atoi(tok[1]), atoi(tok[2]));
    printf("ok\n");
  } else if (!strcmp(op, "fwd")) {
    y = ct_module_forward(model, x);
    if (!y) {
      print_error();
      return;
    }
    ct_node *fn = ct_grad_fn(y);
    printf("Y ");
    print_shape(y);
    printf(" fn=%s same=%d", fn ? ct_node_name(fn) : "None", y == x);
    print_values(y);
    printf("\n");
  } else if (!strcmp(op, "back")) {
    ct_tensor *g = ct_randn(ct_dim(y), ct_shape(y), CT_FLOAT32);
    if (ct_backward(y, g) != CT_OK) print_error();
    else print_grads();
  } else if (!strcmp(op, "grads")) {
    print_grads();
  } else if (!strcmp(op, "zero")) {
    ct_module_zero_grad(model, atoi(tok[1]) != 0);
    print_grads();
  } else if (!strcmp(op, "rand")) {
    printf("R");
    print_values(ct_rand(1, (int64_t[]){3}, CT_FLOAT32));
    printf("\n");
  } else if (!strcmp(op, "lsd")) {
    load_entries(atoi(tok[1]) != 0, tok[2]);
  } else if (!strcmp(op, "save") || !strcmp(op, "load")) {
    ct_status st = !strcmp(op, "save") ? ct_module_save(model, tok[1]) : ct_module_load(model, tok[1]);
    if (st != CT_OK) print_error();
    else printf("ok\n");
  } else {
    fprintf(stderr, "unknown command %s\n", op);
    exit(2);
  }
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, stdin) > 0) {
    line[strcspn(line, "\n")] = '\0';
    ct_scope *scope = ct_scope_open();
    char *save;
    for (char *cmd = strtok_r(line, ";", &save); cmd; cmd = strtok_r(NULL, ";", &save)) run_command(cmd);
    ct_module_free(model);
    model = NULL;
    leaf = x = y = NULL;
    ct_scope_close(scope);
    printf("@@END@@\n");
    fflush(stdout);
  }
  free(line);
  return 0;
}
