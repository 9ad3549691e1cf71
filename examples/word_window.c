// The seed's demo, line for line: the CS224N word-window location classifier.
//
//   build/examples/word_window [--epochs N] [--seed S] [--corpus FILE] [--logdir DIR] [--load FILE]
//                              [--save FILE] [--checkpoint FILE [--checkpoint-every N]] [--resume FILE]
//                              [--distributed] [--device cpu|cuda] [SENTENCE ...]
//
// Trains on the five-sentence corpus of the notebook (or on a CoNLL-style file given with
// --corpus: "word<TAB>label" lines, labels containing LOC mark locations, blank lines
// between sentences), prints "epoch <n> loss <sum of batch losses>" every 100 epochs, then
// tags each SENTENCE (default "She comes from Paris") with per-word probabilities.
// Seeded with --seed (default 0), the loss curve and the predictions equal PyTorch's run of
// the notebook. --device cuda trains and predicts on the current GPU (exit status 1 with
// the reason where CUDA is unusable). --logdir writes each epoch's loss as TensorBoard scalars (tag "loss").
// --distributed (under mpirun -np N): each rank trains on its DistributedSampler shard (seed
// 0, set_epoch every epoch) with batch size 1, gradients averaged by DDP; rank 0 prints the
// epoch losses (each step's loss summed over the ranks) and the predictions, as the same
// PyTorch DDP program on gloo does.
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ctorch.h>
#include "cli_values.h"
#include "word_window_corpus.h"

// ---------------------------------------------------------------------------------------
// Data: the notebook's sentences (word_window_corpus.h reads and holds them).

static const char *notebook_corpus[] = {
    "We always come to Paris", "The professor is from Australia", "I live in Stanford",
    "He comes from Taiwan",    "The capital of Turkey is Ankara",
};
static const char *notebook_locations[] = {"australia", "ankara", "paris", "stanford", "taiwan", "turkey"};

// ---------------------------------------------------------------------------------------
// Dataset and collate_fn (the notebook's custom_collate_fn).

typedef struct demo_data {
  const corpus *sentences;
  ct_vocab *vocab;
  int64_t window_size;
} demo_data;

static int64_t dataset_length(void *ctx) { return ((demo_data *)ctx)->sentences->count; }

// Item i: (the sentence padded with window_size <pad> on both sides, as indices; labels).
static ct_status dataset_get(void *ctx, int64_t index, ct_batch *sample) {
  demo_data *d = ctx;
  const sentence *s = &d->sentences->sentences[index];
  int64_t w = d->window_size, n = s->length + 2 * w;
  int64_t *ix = malloc((size_t)n * sizeof *ix);
  if (!ix) return CT_ERR_MEMORY;
  int64_t pad = ct_vocab_index(d->vocab, "<pad>");
  for (int64_t i = 0; i < n; i++)
    ix[i] = (i < w || i >= w + s->length) ? pad : ct_vocab_index(d->vocab, s->words[i - w]);
  sample->count = 2;
  sample->fields[0] = ct_tensor_from_i64(ix, 1, &n);
  sample->fields[1] = ct_tensor_from_i64(s->labels, 1, &s->length);
  free(ix);
  return sample->fields[0] && sample->fields[1] ? CT_OK : ct_last_status();
}

static ct_status collate(void *ctx, const ct_batch *samples, int n, ct_batch *batch) {
  demo_data *d = ctx;
  ct_tensor *x[64], *y[64];
  int64_t lengths[64];
  if (n > 64) return CT_ERR_ARG; // batches here are small (batch_size 2)
  for (int i = 0; i < n; i++) {
    x[i] = samples[i].fields[0];
    y[i] = samples[i].fields[1];
    lengths[i] = ct_numel(y[i]);
  }
  int64_t batch_size = n;
  batch->count = 3;
  batch->fields[0] = ct_pad_sequence(x, n, true, (double)ct_vocab_index(d->vocab, "<pad>"));
  batch->fields[1] = ct_pad_sequence(y, n, true, 0);
  batch->fields[2] = ct_tensor_from_i64(lengths, 1, &batch_size);
  return batch->fields[0] && batch->fields[1] && batch->fields[2] ? CT_OK : ct_last_status();
}

// ---------------------------------------------------------------------------------------
// The model.

typedef struct word_window_classifier {
  ct_module base;
  int64_t window_size;
  ct_module *embeds, *hidden_layer, *output_layer, *probabilities;
} word_window_classifier;

static ct_tensor *classifier_forward(ct_module *self, ct_tensor *inputs) {
  word_window_classifier *m = (word_window_classifier *)self;
  int64_t B = ct_size(inputs, 0);
  ct_tensor *token_windows = ct_unfold(inputs, 1, 2 * m->window_size + 1, 1); // (B, L~, 2w+1)
  int64_t adjusted_length = ct_size(token_windows, 1);
  ct_tensor *embedded_windows = ct_module_forward(m->embeds, token_windows); // (B, L~, 2w+1, D)
  embedded_windows = ct_view(embedded_windows, CT_SHAPE(B, adjusted_length, -1));
  ct_tensor *layer_1 = ct_module_forward(m->hidden_layer, embedded_windows);
  ct_tensor *output = ct_module_forward(m->output_layer, layer_1);
  output = ct_module_forward(m->probabilities, output);
  return ct_view(output, CT_SHAPE(B, -1));
}

static const ct_module_vtable classifier_vtable = {"WordWindowClassifier", classifier_forward, NULL, NULL};

static ct_module *word_window_classifier_new(int64_t window_size, int64_t embed_dim, int64_t hidden_dim,
                                             int64_t vocab_size, int64_t pad_ix) {
  word_window_classifier *m = ct_module_new(sizeof *m, &classifier_vtable);
  if (!m) return NULL;
  m->window_size = window_size;
  int64_t full_window_size = 2 * window_size + 1;
  m->embeds = ct_module_register_module(&m->base, "embeds", ct_embedding_new(vocab_size, embed_dim, pad_ix));
  m->hidden_layer = ct_module_register_module(
      &m->base, "hidden_layer",
      ct_sequential_new(2, (ct_module *[]){ct_linear_new(full_window_size * embed_dim, hidden_dim, true), ct_tanh_new()}));
  m->output_layer = ct_module_register_module(&m->base, "output_layer", ct_linear_new(hidden_dim, 1, true));
  m->probabilities = ct_module_register_module(&m->base, "probabilities", ct_sigmoid_new());
  if (!m->embeds || !m->hidden_layer || !m->output_layer || !m->probabilities) {
    ct_module_free(&m->base);
    return NULL;
  }
  return &m->base;
}

// BCELoss over the padded batch, normalised by the number of real words.
static ct_tensor *loss_function(ct_tensor *batch_outputs, ct_tensor *batch_labels, ct_tensor *batch_lengths) {
  ct_tensor *loss =
      ct_binary_cross_entropy(batch_outputs, ct_to_dtype(batch_labels, CT_FLOAT32), NULL, CT_REDUCTION_MEAN);
  return ct_div(loss, ct_to_dtype(ct_sum(batch_lengths), CT_FLOAT32));
}

// ---------------------------------------------------------------------------------------
// Training.

typedef struct progress {
  bool enabled;
  struct timespec start;
} progress;

static double seconds_since(const struct timespec *t0) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - t0->tv_sec) + 1e-9 * (double)(now.tv_nsec - t0->tv_nsec);
}

static void show_progress(const progress *p, long epoch, long epochs, double loss) {
  if (!p->enabled) return;
  double elapsed = seconds_since(&p->start);
  fprintf(stderr, "\r  epoch %ld/%ld  loss %.6f  %.1fs  %.0f epochs/s ", epoch + 1, epochs, loss, elapsed,
          elapsed > 0 ? (double)(epoch + 1) / elapsed : 0.0);
  if (epoch + 1 == epochs) fprintf(stderr, "\n");
}

// --device: where the model and each batch live (the data loader makes batches on the CPU).
static ct_device run_device = CT_CPU;
static ct_tensor *on_run_device(ct_tensor *t) { return ct_to_device(t, run_device, -1); }

// One epoch; with `ddp` the forward goes through it and each step's loss is summed over the ranks.
static int train_epoch(ct_module *model, ct_ddp *ddp, ct_optimizer *optimizer, ct_dataloader *loader,
                       double *total_loss) {
  *total_loss = 0;
  ct_dataloader_start_epoch(loader);
  for (;;) {
    ct_scope *step = ct_scope_open(); // owns every tensor of this batch
    ct_batch batch;
    ct_batch_result got = ct_dataloader_next(loader, &batch);
    if (got != CT_BATCH_READY) {
      ct_scope_close(step);
      return got == CT_BATCH_END ? 0 : -1;
    }
    ct_tensor *batch_inputs = on_run_device(batch.fields[0]), *batch_labels = on_run_device(batch.fields[1]),
              *batch_lengths = on_run_device(batch.fields[2]);
    ct_optimizer_zero_grad(optimizer, true);
    ct_tensor *outputs = ddp ? ct_ddp_forward(ddp, batch_inputs) : ct_module_forward(model, batch_inputs);
    ct_tensor *loss = loss_function(outputs, batch_labels, batch_lengths);
    ct_tensor *reported = ddp ? ct_clone(ct_detach(loss)) : loss;
    double value;
    int failed = ct_backward(loss, NULL) != CT_OK || ct_optimizer_step(optimizer) != CT_OK ||
                 (ddp && ct_dist_all_reduce(reported, CT_REDUCE_SUM, NULL) != CT_OK) || ct_item(reported, &value) != CT_OK;
    if (ct_scope_close(step) != CT_OK) failed = 1;
    if (failed) return -1;
    *total_loss += value;
  }
}

// ---------------------------------------------------------------------------------------
// Prediction: per-word probabilities of new sentences.

static int predict(ct_module *model, demo_data *data, const char *text) {
  corpus test = {0};
  int status = add_text_sentence(&test, text, NULL, 0);
  if (status == 0 && test.sentences[0].length == 0) {
    fprintf(stderr, "word_window: empty sentence\n");
    status = -1;
  }
  if (status == 0) {
    demo_data test_data = {&test, data->vocab, data->window_size};
    ct_dataset dataset = {&test_data, dataset_length, dataset_get};
    ct_dataloader *loader = ct_dataloader_new(
        &dataset, (ct_dataloader_options){.batch_size = 1, .shuffle = false, .collate = collate, .collate_ctx = &test_data});
    ct_scope *scope = ct_scope_open();
    bool grad_mode = ct_no_grad_enter();
    ct_batch batch;
    if (loader && ct_dataloader_next(loader, &batch) == CT_BATCH_READY) {
      ct_tensor *outputs = ct_module_forward(model, on_run_device(batch.fields[0]));
      double *probs = outputs ? malloc((size_t)ct_numel(outputs) * sizeof *probs) : NULL;
      if (probs && ct_to_f64_array(outputs, probs) == CT_OK) {
        for (int64_t i = 0; i < test.sentences[0].length; i++)
          printf("%s%s(%.4f)", i ? " " : "", test.sentences[0].words[i], probs[i]);
        printf("\n");
      } else {
        status = -1;
      }
      free(probs);
    } else {
      status = -1;
    }
    ct_grad_mode_restore(grad_mode);
    ct_scope_close(scope);
    ct_dataloader_free(loader);
    if (status) fprintf(stderr, "word_window: prediction failed: %s\n", ct_last_error());
  }
  corpus_free(&test);
  return status;
}

// ---------------------------------------------------------------------------------------

static void usage(FILE *to) {
  fprintf(to, "usage: word_window [--epochs N] [--seed S] [--corpus FILE] [--logdir DIR] [--load FILE]\n"
              "                   [--save FILE] [--checkpoint FILE [--checkpoint-every N]] [--resume FILE]\n"
              "                   [--distributed] [--device cpu|cuda] [SENTENCE ...]\n");
}

int main(int argc, char **argv) {
  long epochs = 1000;
  unsigned long long seed = 0;
  const char *corpus_path = NULL, *logdir = NULL;
  bool distributed = false;
  const char *load_path = NULL, *save_path = NULL; // state dicts as .pt files PyTorch reads and writes
  const char *checkpoint_path = NULL, *resume_path = NULL; // training checkpoints
  long checkpoint_every = 100;
  int first_sentence = argc;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--epochs") && i + 1 < argc) {
      if (!cli_parse_long(argv[++i], 0, &epochs)) {
        fprintf(stderr, "word_window: --epochs '%s': expected a whole number, 0 or more\n", argv[i]);
        usage(stderr);
        return 2;
      }
    } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      if (!cli_parse_seed(argv[++i], &seed)) {
        fprintf(stderr, "word_window: --seed '%s': expected a whole number from 0 to 18446744073709551615\n",
                argv[i]);
        usage(stderr);
        return 2;
      }
    } else if (!strcmp(argv[i], "--corpus") && i + 1 < argc) {
      corpus_path = argv[++i];
    } else if (!strcmp(argv[i], "--load") && i + 1 < argc) {
      load_path = argv[++i];
    } else if (!strcmp(argv[i], "--save") && i + 1 < argc) {
      save_path = argv[++i];
    } else if (!strcmp(argv[i], "--checkpoint") && i + 1 < argc) {
      checkpoint_path = argv[++i];
    } else if (!strcmp(argv[i], "--resume") && i + 1 < argc) {
      resume_path = argv[++i];
    } else if (!strcmp(argv[i], "--checkpoint-every") && i + 1 < argc) {
      if (!cli_parse_long(argv[++i], 1, &checkpoint_every)) {
        fprintf(stderr, "word_window: --checkpoint-every '%s': expected a whole number, 1 or more\n", argv[i]);
        usage(stderr);
        return 2;
      }
    } else if (!strcmp(argv[i], "--logdir") && i + 1 < argc) {
      if (!cli_parse_dir(argv[++i], &logdir)) {
        fprintf(stderr, "word_window: --logdir '': expected a directory\n");
        usage(stderr);
        return 2;
      }
    } else if (!strcmp(argv[i], "--device") && i + 1 < argc) {
      bool cuda;
      if (!cli_parse_device(argv[++i], &cuda)) {
        fprintf(stderr, "word_window: --device '%s': expected cpu or cuda\n", argv[i]);
        usage(stderr);
        return 2;
      }
      run_device = cuda ? CT_CUDA : CT_CPU;
    } else if (!strcmp(argv[i], "--distributed")) {
      distributed = true;
    } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else if (argv[i][0] == '-' && argv[i][1] == '-') {
      fprintf(stderr, "word_window: unknown argument or missing value: '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    } else {
      first_sentence = i;
      break;
    }
  }
  if (run_device == CT_CUDA && ct_cuda_init() != CT_OK) {
    fprintf(stderr, "word_window: --device cuda: %s\n", ct_last_error());
    return 1;
  }
  ct_manual_seed(seed);
  if (distributed && ct_dist_init_process_group(0) != CT_OK) {
    fprintf(stderr, "word_window: --distributed: %s\n", ct_last_error());
    return 1;
  }
  bool printing = !distributed || ct_dist_get_rank(NULL) == 0; // rank 0 prints

  // Corpus, labels and vocabulary.
  corpus train_sentences = {0};
  if (corpus_path) {
    if (load_conll(&train_sentences, corpus_path)) {
      corpus_free(&train_sentences);
      return 1;
    }
  } else {
    for (size_t i = 0; i < sizeof notebook_corpus / sizeof *notebook_corpus; i++)
      add_text_sentence(&train_sentences, notebook_corpus[i], notebook_locations,
                        (int)(sizeof notebook_locations / sizeof *notebook_locations));
  }
  int64_t n_words = 0;
  for (int64_t s = 0; s < train_sentences.count; s++) n_words += train_sentences.sentences[s].length;
  const char **all_words = malloc((size_t)(n_words ? n_words : 1) * sizeof *all_words);
  for (int64_t s = 0, k = 0; all_words && s < train_sentences.count; s++)
    for (int64_t i = 0; i < train_sentences.sentences[s].length; i++)
      all_words[k++] = train_sentences.sentences[s].words[i];
  ct_vocab *vocab = ct_vocab_new(all_words, n_words, (const char *[]){"<unk>", "<pad>"}, 2, "<unk>");
  free(all_words);

  // DataLoader(data, batch_size=2, shuffle=True, collate_fn=collate_fn).
  int64_t window_size = 2;
  demo_data data = {&train_sentences, vocab, window_size};
  ct_dataset dataset = {&data, dataset_length, dataset_get};
  // Distributed: DataLoader(data, batch_size=1, sampler=DistributedSampler(data), collate_fn=collate_fn).
  ct_sampler *sampler = distributed ? ct_distributed_sampler_new(&dataset, -1, -1, true, 0, false) : NULL;
  ct_dataloader *loader =
      distributed && !sampler
          ? NULL
          : ct_dataloader_new(&dataset, distributed ? (ct_dataloader_options){.batch_size = 1, .sampler = sampler,
                                                                              .collate = collate, .collate_ctx = &data}
                                                    : (ct_dataloader_options){.batch_size = 2, .shuffle = true,
                                                                              .collate = collate, .collate_ctx = &data});

  // Model, optimizer.
  ct_module *model = vocab ? word_window_classifier_new(window_size, 25, 25, ct_vocab_size(vocab),
                                                        ct_vocab_index(vocab, "<pad>"))
                           : NULL;
  if (model && ct_module_to(model, run_device, -1) != CT_OK) {
    ct_module_free(model);
    model = NULL;
  }
  int n_params = 0;
  ct_tensor **params = model ? ct_module_parameters(model, &n_params) : NULL;
  ct_optimizer *optimizer = params ? ct_sgd_new(params, n_params, ct_sgd_defaults(0.01)) : NULL;
  free(params);
  ct_ddp *ddp = distributed && model ? ct_ddp_new(model, NULL) : NULL;

  int status = 0;
  if (!loader || !model || !optimizer || (distributed && !ddp)) {
    fprintf(stderr, "word_window: setup failed: %s\n", ct_last_error());
    status = 1;
  }
  // --load: model.load_state_dict(torch.load(FILE, weights_only=True)).
  if (status == 0 && load_path && ct_module_load_state_dict_pt(model, load_path, true) != CT_OK) {
    fprintf(stderr, "word_window: --load: %s\n", ct_last_error());
    status = 1;
  }

  // --resume: the model, the optimizer and the global generator (which seeds each epoch's
  // shuffle) as the checkpoint left them; training continues from its epoch.
  long start_epoch = 0;
  ct_checkpoint checkpoint = {.model = model, .optimizer = optimizer};
  if (status == 0 && resume_path) {
    if (ct_load_checkpoint(resume_path, &checkpoint) != CT_OK) {
      fprintf(stderr, "word_window: --resume: %s\n", ct_last_error());
      status = 1;
    }
    start_epoch = (long)checkpoint.epoch;
  }

  ct_summary_writer *log = NULL;
  if (status == 0 && logdir && !(log = ct_summary_writer_open(logdir))) {
    fprintf(stderr, "word_window: --logdir: %s\n", ct_last_error());
    status = 1;
  }

  // Train.
  progress prog = {.enabled = isatty(STDERR_FILENO) && isatty(STDOUT_FILENO)};
  clock_gettime(CLOCK_MONOTONIC, &prog.start);
  for (long epoch = start_epoch; status == 0 && epoch < epochs; epoch++) {
    double epoch_loss;
    if (sampler) ct_distributed_sampler_set_epoch(sampler, epoch);
    if (train_epoch(model, ddp, optimizer, loader, &epoch_loss)) {
      fprintf(stderr, "word_window: training failed: %s\n", ct_last_error());
      status = 1;
      break;
    }
    if (log && ct_summary_add_scalar(log, "loss", epoch_loss, epoch) != CT_OK) {
      fprintf(stderr, "word_window: --logdir: %s\n", ct_last_error());
      status = 1;
      break;
    }
    if (epoch % 100 == 0 && printing) {
      if (prog.enabled) fprintf(stderr, "\r\033[K");
      printf("epoch %ld loss %.6f\n", epoch, epoch_loss);
      fflush(stdout);
    }
    if (printing) show_progress(&prog, epoch, epochs, epoch_loss);
    // --checkpoint: every N epochs and after the last, the state to resume from epoch + 1.
    if (printing && checkpoint_path && ((epoch + 1) % checkpoint_every == 0 || epoch + 1 == epochs)) {
      checkpoint.epoch = epoch + 1;
      if (ct_save_checkpoint(checkpoint_path, &checkpoint) != CT_OK) {
        fprintf(stderr, "word_window: --checkpoint: %s\n", ct_last_error());
        status = 1;
      }
    }
  }

  // --save: torch.save(model.state_dict(), FILE).
  if (status == 0 && printing && save_path && ct_save_state_dict_pt(model, save_path) != CT_OK) {
    fprintf(stderr, "word_window: --save: %s\n", ct_last_error());
    status = 1;
  }

  // Predict.
  if (!printing) first_sentence = argc + 1; // rank 0 predicts
  if (status == 0 && first_sentence == argc) status = predict(model, &data, "She comes from Paris") ? 1 : 0;
  for (int i = first_sentence; status == 0 && i < argc; i++) status = predict(model, &data, argv[i]) ? 1 : 0;

  if (log && ct_summary_writer_close(log) != CT_OK) {
    fprintf(stderr, "word_window: --logdir: %s\n", ct_last_error());
    status = 1;
  }
  ct_ddp_free(ddp);
  ct_optimizer_free(optimizer);
  ct_module_free(model);
  ct_dataloader_free(loader);
  ct_sampler_free(sampler);
  if (distributed) ct_dist_destroy_process_group();
  ct_vocab_free(vocab);
  corpus_free(&train_sentences);
  return status;
}
