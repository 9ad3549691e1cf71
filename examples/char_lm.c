// A character-level language model on real words: a small transformer trained on the
// English word list of Debian's wamerican package, then asked for new words.
//
//   build/examples/char_lm [--steps N] [--seed S] [--lr X] [--batch-size B] [--data FILE] [--sample K]
//                          [--logdir DIR] [--device cpu|cuda]
//
// Words: each line lower-cased, kept when it is 1 to 15 letters a-z, repeats dropped
// (first occurrence kept). Tokens: '.' = 0, a-z = 1-26. After ct_manual_seed(seed),
// perm = randperm(n); the first int(0.9 n) words of that order train, the rest validate.
// A word w is the input [0] + w padded with 0 to 16 and the target w + [0] padded with -1.
// Model (made in this order): token Embedding(27, 64), position Embedding(16, 64),
// TransformerEncoder of 2 TransformerEncoderLayer(64, 4 heads, feed-forward 256, dropout 0,
// gelu, batch_first, norm_first), LayerNorm(64), Linear(64, 27); forward: token + position
// embeddings, the encoder under the causal mask, the norm, the linear. Loss: cross-entropy
// over every position, ignore_index -1. AdamW(lr, weight_decay 0.01); a step draws
// randint(0, n_train, (batch,)) word indices, then zero_grad, forward, backward,
// clip_grad_norm_(parameters, 1.0), step. Prints "step <n> train_loss <loss>" when
// n % 100 == 0, then "val_loss <loss over every validation target token>", then K words
// sampled from [0] with multinomial on the softmax of the last position, until '.' or 15
// letters. Seeded alike, the lines equal those of the same PyTorch program
// (tests/examples/compare_char_lm.py) to float32 rounding.
// --logdir DIR logs to TensorBoard: loss/train every step, loss/val at step = steps, the
// sampled words as one text (tag "samples", a line each) and the hyper-parameters (steps,
// seed, lr, batch_size) with the validation loss as their metric "hparam/loss_val".
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_values.h"
#include <ctorch.h>
#include <ctorch/sampling.h>

static const char *const default_words = "/usr/share/dict/words";
enum { CONTEXT = 16, MAX_LETTERS = CONTEXT - 1, VOCAB = 27, D_MODEL = 64, VAL_CHUNK = 1024 };

// --device: where the model and each batch live.
static ct_device run_device = CT_CPU;
static ct_tensor *on_run_device(ct_tensor *t) { return ct_to_device(t, run_device, -1); }

// ---------------------------------------------------------------------------------------
// Options.

typedef struct options {
  long steps, batch_size, sample;
  unsigned long long seed;
  double lr;
  const char *data;
  const char *logdir;
  bool cuda;
} options;

static void usage(FILE *to) {
  fprintf(to, "usage: char_lm [--steps N] [--seed S] [--lr X] [--batch-size B] [--data FILE] [--sample K]"
              " [--logdir DIR] [--device cpu|cuda]\n");
}

static void help(void) {
  usage(stdout);
  printf("Trains a small character-level transformer on an English word list, prints the\n"
         "training loss every 100 steps and the validation loss, then samples new words.\n"
         "  --steps N       training steps, 0 or more (default 2000)\n"
         "  --seed S        ct_manual_seed before the split and the model, 0 to 2^64-1 (default 0)\n"
         "  --lr X          AdamW's learning rate, 0 or more (default 0.003)\n"
         "  --batch-size B  words per step, 1 or more (default 64)\n"
         "  --data FILE     the word list, one word per line (default %s, Debian's wamerican)\n"
         "  --sample K      words to sample after training, 0 or more (default 10)\n"
         "  --logdir DIR    write TensorBoard event files to DIR (tensorboard --logdir DIR)\n"
         "  --device D      cpu (default) or cuda: where the model trains and samples\n",
         default_words);
}

// -1 when the program goes on; otherwise its exit status (cli_parse_options).
static int parse_options(int argc, char **argv, options *o) {
  *o = (options){.steps = 2000, .batch_size = 64, .sample = 10, .seed = 0, .lr = 3e-3, .data = default_words,
                 .logdir = NULL};
  const cli_option opts[] = {
      {"--steps", CLI_COUNT, 0, &o->steps}, {"--seed", CLI_SEED, 0, &o->seed},
      {"--lr", CLI_RATE, 0, &o->lr},        {"--batch-size", CLI_COUNT, 1, &o->batch_size},
      {"--data", CLI_TEXT, 0, &o->data},    {"--sample", CLI_COUNT, 0, &o->sample},
      {"--logdir", CLI_DIR, 0, &o->logdir}, {"--device", CLI_DEVICE, 0, &o->cuda},
  };
  return cli_parse_options(argc, argv, "char_lm", opts, (int)(sizeof opts / sizeof *opts), usage, help);
}

// ---------------------------------------------------------------------------------------
// Words: each a row of CONTEXT input tokens and CONTEXT targets.

typedef struct words {
  int64_t count, capacity;
  char (*text)[CONTEXT]; // lower-case letters, NUL-terminated
} words;

// Lower-cases line in place; true when it is 1 to 15 letters a-z.
static bool usable(char *line) {
  size_t n = strcspn(line, "\r\n");
  line[n] = '\0';
  if (n < 1 || n > MAX_LETTERS) return false;
  for (size_t i = 0; i < n; i++) {
    line[i] = (char)tolower((unsigned char)line[i]);
    if (line[i] < 'a' || line[i] > 'z') return false;
  }
  return true;
}

// The usable words of the file in file order, repeats dropped (an open-addressing set).
static int load_words(const char *path, words *w) {
  FILE *f = fopen(path, "r");
  if (!f) {
    if (!strcmp(path, default_words))
      fprintf(stderr,
              "char_lm: the word list %s is not installed (Debian's wamerican). Install it with:\n"
              "    apt-get install wamerican\n"
              "(or sh scripts/install-deps.sh, as root, from the ctorch source tree) or name a list with "
              "--data FILE.\n",
              path);
    else
      perror(path);
    return -1;
  }
  size_t slots = 1 << 18;
  int64_t *set = malloc(slots * sizeof *set);
  int status = set ? 0 : -1;
  if (set) memset(set, 0xff, slots * sizeof *set);
  char line[256];
  while (status == 0 && fgets(line, sizeof line, f)) {
    bool whole = strchr(line, '\n') || feof(f);
    if (!whole) { // a line longer than the buffer is no word; skip the rest of it
      for (int c; (c = fgetc(f)) != EOF && c != '\n';) {
      }
      continue;
    }
    if (!usable(line)) continue;
    uint64_t h = 1469598103934665603ull;
    for (const char *p = line; *p; p++)
      h = (h ^ (unsigned char)*p) * 1099511628211ull;
    size_t at = h & (slots - 1);
    while (set[at] >= 0 && strcmp(w->text[set[at]], line))
      at = (at + 1) & (slots - 1);
    if (set[at] >= 0) continue;
    if (w->count == w->capacity || (size_t)w->count * 2 >= slots) {
      status = -1; // more words than the set holds
      fprintf(stderr, "char_lm: %s: more than %zu distinct words\n", path, slots / 2);
      break;
    }
    set[at] = w->count;
    memcpy(w->text[w->count++], line, CONTEXT);
  }
  free(set);
  fclose(f);
  return status;
}

// Input and target rows of the words ids[0..n).
static void fill_rows(const words *w, const int64_t *ids, int64_t n, int64_t *input, int64_t *target) {
  for (int64_t r = 0; r < n; r++) {
    const char *text = w->text[ids[r]];
    size_t len = strlen(text);
    for (size_t t = 0; t < CONTEXT; t++) {
      input[r * CONTEXT + t] = t == 0 ? 0 : t <= len ? text[t - 1] - 'a' + 1 : 0;
      target[r * CONTEXT + t] = t < len ? text[t] - 'a' + 1 : t == len ? 0 : -1;
    }
  }
}

// ---------------------------------------------------------------------------------------
// The model.

typedef struct char_lm {
  ct_module base;
  ct_module *tok, *pos, *encoder, *norm, *head;
} char_lm;

static ct_tensor *char_lm_forward(ct_module *self, ct_tensor *tokens) {
  char_lm *m = (char_lm *)self;
  int64_t T = ct_size(tokens, 1);
  ct_tensor *x = ct_add(ct_module_forward(m->tok, tokens),
                        ct_module_forward(m->pos, ct_arange_on(0, (double)T, 1, CT_INT64, ct_get_device(tokens),
                                                               ct_tensor_device_index(tokens))));
  x = ct_transformer_encoder_forward(m->encoder, x, ct_generate_square_subsequent_mask(T), NULL);
  return ct_module_forward(m->head, ct_module_forward(m->norm, x));
}

static const ct_module_vtable char_lm_vtable = {"CharLM", char_lm_forward, NULL, NULL};

// One statement per module: the initial weights depend on the order of the draws.
static ct_module *char_lm_new(void) {
  char_lm *m = ct_module_new(sizeof *m, &char_lm_vtable);
  if (!m) return NULL;
  ct_transformer_encoder_layer_options o = ct_transformer_encoder_layer_defaults();
  o.dim_feedforward = 256;
  o.dropout = 0;
  o.activation = "gelu";
  o.batch_first = true;
  o.norm_first = true;
  const int64_t d = D_MODEL;
  m->tok = ct_module_register_module(&m->base, "tok", ct_embedding_new(VOCAB, D_MODEL, CT_NO_PADDING_IDX));
  m->pos = ct_module_register_module(&m->base, "pos", ct_embedding_new(CONTEXT, D_MODEL, CT_NO_PADDING_IDX));
  m->encoder = ct_module_register_module(
      &m->base, "encoder",
      ct_transformer_encoder_new(ct_transformer_encoder_layer_new(D_MODEL, 4, o), 2, NULL));
  m->norm = ct_module_register_module(&m->base, "norm", ct_layer_norm_new(1, &d, 1e-5, true));
  m->head = ct_module_register_module(&m->base, "head", ct_linear_new(D_MODEL, VOCAB, true));
  if (!m->tok || !m->pos || !m->encoder || !m->norm || !m->head) {
    ct_module_free(&m->base);
    return NULL;
  }
  return &m->base;
}

// Cross-entropy of the words ids[0..n), ignore_index -1, with the given reduction.
static ct_tensor *words_loss(ct_module *model, const words *w, const int64_t *ids, int64_t n,
                             ct_reduction how) {
  int64_t *rows = malloc((size_t)(2 * n * CONTEXT) * sizeof *rows);
  if (!rows) return NULL;
  fill_rows(w, ids, n, rows, rows + n * CONTEXT);
  ct_tensor *input = on_run_device(ct_tensor_from_i64(rows, CT_SHAPE(n, CONTEXT)));
  ct_tensor *target = on_run_device(ct_tensor_from_i64(rows + n * CONTEXT, CT_SHAPE(n * CONTEXT)));
  free(rows);
  ct_tensor *logits = ct_view(ct_module_forward(model, input), 2, (int64_t[]){n * CONTEXT, VOCAB});
  return ct_cross_entropy(logits, target, NULL, -1, 0.0, how);
}

// ---------------------------------------------------------------------------------------
// Training, validation, sampling. Each returns 0, or -1 on error.

typedef struct run {
  ct_module *model;
  ct_optimizer *optimizer;
  ct_tensor **params;
  int n_params;
  const words *w;
  const int64_t *train_ids; // the first n_train entries of perm
  int64_t n_train;
  ct_summary_writer *log; // NULL without --logdir
} run;

static int train_step(run *r, long batch_size, double *loss_value) {
  ct_scope *step = ct_scope_open(); // owns every tensor of this step
  ct_tensor *picks = ct_randint(0, r->n_train, 1, (int64_t[]){batch_size});
  int64_t *ids = malloc((size_t)batch_size * sizeof *ids);
  int failed = !picks || !ids;
  for (long b = 0; !failed && b < batch_size; b++)
    ids[b] = r->train_ids[((const int64_t *)ct_data_ptr(picks))[b]];
  ct_optimizer_zero_grad(r->optimizer, true);
  ct_tensor *loss = failed ? NULL : words_loss(r->model, r->w, ids, batch_size, CT_REDUCTION_MEAN);
  free(ids);
  failed = failed || ct_backward(loss, NULL) != CT_OK ||
           !ct_clip_grad_norm_(r->params, r->n_params, 1.0, 2.0, false) ||
           ct_optimizer_step(r->optimizer) != CT_OK || ct_item(loss, loss_value) != CT_OK;
  if (ct_scope_close(step) != CT_OK) failed = 1;
  return failed ? -1 : 0;
}

// The mean loss over every target token of the validation words, summed in chunks.
static int validation_loss(run *r, const int64_t *val_ids, int64_t n_val, double *mean) {
  double total = 0;
  int64_t tokens = 0;
  bool grad_mode = ct_no_grad_enter();
  int status = 0;
  for (int64_t at = 0; status == 0 && at < n_val; at += VAL_CHUNK) {
    int64_t n = n_val - at < VAL_CHUNK ? n_val - at : VAL_CHUNK;
    ct_scope *chunk = ct_scope_open();
    double sum;
    if (ct_item(words_loss(r->model, r->w, val_ids + at, n, CT_REDUCTION_SUM), &sum) != CT_OK) status = -1;
    total += sum;
    if (ct_scope_close(chunk) != CT_OK) status = -1;
    for (int64_t i = 0; i < n; i++)
      tokens += (int64_t)strlen(r->w->text[val_ids[at + i]]) + 1;
  }
  ct_grad_mode_restore(grad_mode);
  *mean = total / (double)tokens;
  return status;
}

// One word: tokens drawn from the softmax of the last position until '.' or 15 letters.
static int sample_word(run *r, char *out) {
  int64_t seq[CONTEXT] = {0};
  int len = 0, status = 0;
  bool grad_mode = ct_no_grad_enter();
  while (status == 0 && len < MAX_LETTERS) {
    ct_scope *s = ct_scope_open();
    ct_tensor *logits = ct_module_forward(r->model, on_run_device(ct_tensor_from_i64(seq, CT_SHAPE(1, len + 1))));
    ct_tensor *probs = ct_softmax(ct_select(ct_select(logits, 0, 0), 0, len), -1);
    int64_t token = 0;
    if (ct_item_int(ct_multinomial(probs, 1, false), &token) != CT_OK) status = -1;
    if (ct_scope_close(s) != CT_OK) status = -1;
    if (status || token == 0) break;
    out[len] = (char)('a' + token - 1);
    seq[++len] = token;
  }
  out[len] = '\0';
  ct_grad_mode_restore(grad_mode);
  return status;
}

// ---------------------------------------------------------------------------------------
// TensorBoard: what --logdir records.

// The sampled words, one per line, as one TensorBoard text.
typedef struct word_lines {
  char *text; // "w1  \nw2  \n...": Markdown's hard line breaks, so TensorBoard shows a line each
  size_t length, capacity, count;
} word_lines;

static int word_lines_append(word_lines *l, const char *word) {
  size_t need = l->length + strlen(word) + 4;
  if (need > l->capacity) {
    size_t capacity = need > 2 * l->capacity ? need : 2 * l->capacity;
    char *grown = realloc(l->text, capacity);
    if (!grown) return -1;
    l->text = grown;
    l->capacity = capacity;
  }
  l->length += (size_t)sprintf(l->text + l->length, "%s%s", l->count++ ? "  \n" : "", word);
  return 0;
}

// The run's hyper-parameters with the validation loss as their metric.
static ct_status log_hparams(ct_summary_writer *log, const options *o, double val) {
  const ct_hparam hparams[] = {
      {.name = "steps", .number = (double)o->steps},
      {.name = "seed", .number = (double)o->seed},
      {.name = "lr", .number = o->lr},
      {.name = "batch_size", .number = (double)o->batch_size},
  };
  const char *const metric = "hparam/loss_val";
  return ct_summary_add_hparams(log, hparams, sizeof hparams / sizeof *hparams, &metric, &val, 1, NULL);
}

static int log_failed(void) {
  fprintf(stderr, "char_lm: --logdir: %s\n", ct_last_error());
  return 1;
}

static int training_failed(void) {
  fprintf(stderr, "char_lm: training failed: %s\n", ct_last_error());
  return 1;
}

// ---------------------------------------------------------------------------------------

// Trains, validates and samples, printing the lines (and logging with --logdir). 0, or 1
// after a message.
static int train_and_report(run *r, const options *o, const int64_t *val_ids, int64_t n_val) {
  for (long step = 0; step < o->steps; step++) {
    double loss;
    if (train_step(r, o->batch_size, &loss)) return training_failed();
    if (step % 100 == 0) {
      printf("step %ld train_loss %.6f\n", step, loss);
      fflush(stdout);
    }
    if (r->log && ct_summary_add_scalar(r->log, "loss/train", loss, step) != CT_OK) return log_failed();
  }
  double val;
  if (validation_loss(r, val_ids, n_val, &val)) return training_failed();
  printf("val_loss %.6f\n", val);
  fflush(stdout);
  if (r->log && ct_summary_add_scalar(r->log, "loss/val", val, o->steps) != CT_OK) return log_failed();
  word_lines lines = {0};
  int status = 0;
  for (long k = 0; status == 0 && k < o->sample; k++) {
    char word[CONTEXT];
    if (sample_word(r, word)) {
      status = training_failed();
      break;
    }
    printf("%s\n", word);
    if (r->log && word_lines_append(&lines, word)) {
      fprintf(stderr, "char_lm: --logdir: out of memory for the sampled words' text\n");
      status = 1;
    }
  }
  if (status == 0 && r->log && o->sample > 0 &&
      ct_summary_add_text(r->log, "samples", lines.text, o->steps) != CT_OK)
    status = log_failed();
  free(lines.text);
  if (status == 0 && r->log && log_hparams(r->log, o, val) != CT_OK) status = log_failed();
  return status;
}

// ---------------------------------------------------------------------------------------

int main(int argc, char **argv) {
  options opt;
  int exit_status = parse_options(argc, argv, &opt);
  if (exit_status >= 0) return exit_status;
  if (opt.cuda && ct_cuda_init() != CT_OK) {
    fprintf(stderr, "char_lm: --device cuda: %s\n", ct_last_error());
    return 1;
  }
  run_device = opt.cuda ? CT_CUDA : CT_CPU;
  words w = {.capacity = 1 << 17};
  w.text = malloc((size_t)w.capacity * sizeof *w.text);
  if (!w.text || load_words(opt.data, &w)) {
    free(w.text);
    return 1;
  }
  const int64_t n_train = (int64_t)(0.9 * (double)w.count), n_val = w.count - n_train;
  if (n_train < 1 || n_val < 1) {
    fprintf(stderr, "char_lm: %s: %lld usable words (1 to 15 letters a-z); the example needs at least 2\n",
            opt.data, (long long)w.count);
    free(w.text);
    return 1;
  }

  ct_scope *scope = ct_scope_open(); // perm
  ct_manual_seed(opt.seed);
  ct_tensor *perm = ct_randperm(w.count);
  run r = {.w = &w, .n_train = n_train};
  r.model = perm ? char_lm_new() : NULL;
  if (r.model && ct_module_to(r.model, run_device, -1) != CT_OK) {
    ct_module_free(r.model);
    r.model = NULL;
  }
  r.params = r.model ? ct_module_parameters(r.model, &r.n_params) : NULL;
  ct_adam_options adamw = ct_adamw_defaults();
  adamw.lr = opt.lr;
  adamw.weight_decay = 0.01;
  r.optimizer = r.params ? ct_adamw_new(r.params, r.n_params, adamw) : NULL;
  int status = 0;
  if (!r.optimizer) {
    fprintf(stderr, "char_lm: setup failed: %s\n", ct_last_error());
    status = 1;
  } else if (opt.logdir && !(r.log = ct_summary_writer_open(opt.logdir))) {
    status = log_failed();
  } else {
    r.train_ids = ct_data_ptr(perm);
    status = train_and_report(&r, &opt, r.train_ids + n_train, n_val);
  }
  if (r.log && ct_summary_writer_close(r.log) != CT_OK && status == 0) status = log_failed();
  ct_optimizer_free(r.optimizer);
  free(r.params);
  ct_module_free(r.model);
  if (ct_scope_close(scope) != CT_OK && status == 0) {
    fprintf(stderr, "char_lm: %s\n", ct_last_error());
    status = 1;
  }
  free(w.text);
  return status;
}
