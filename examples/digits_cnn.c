// A small CNN on real data: the 8x8 handwritten digits (1,797 images, 10 classes) of
// scikit-learn.
//
//   build/examples/digits_cnn [--epochs N] [--seed S] [--lr X] [--batch-size B] [--data FILE]
//                             [--logdir DIR] [--device cpu|cuda]
//
// Conv2d(1, 8, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Conv2d(8, 16, 3, padding=1) -> ReLU
// -> MaxPool2d(2) -> Flatten -> Linear(64, 10), trained with Adam and cross-entropy on rows
// 0-1499 in shuffled batches; after each epoch it prints "epoch <n> loss <mean batch loss>
// test_acc <fraction of rows 1500-1796 classified right>". Seeded with --seed (default 0),
// the lines equal those of the same PyTorch program (tests/examples/compare_digits_cnn.py).
// --logdir DIR logs to TensorBoard: loss/train and accuracy/test per epoch, a histogram of
// the first convolution's weights per epoch, and the first four test images. --device cuda
// trains and tests on the current GPU (exit status 1 with the reason where CUDA is unusable).
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_values.h"
#include "digits_data.h"
#include <ctorch.h>

// Where the digits are: Debian's python3-sklearn, or the copy scripts/install-deps.sh
// takes out of that package.
static const char *const data_paths[] = {
    "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz",
    "/usr/local/share/ctorch/data/digits.csv.gz",
};
enum { N_TRAIN = 1500 }; // rows 0-1499 train, the rest test

// --device: where the model and each batch live (the data stays on the CPU).
static ct_device run_device = CT_CPU;
static ct_tensor *on_run_device(ct_tensor *t) { return ct_to_device(t, run_device, -1); }

// ---------------------------------------------------------------------------------------
// Options.

typedef struct options {
  long epochs;
  unsigned long long seed;
  double lr;
  long batch_size;
  const char *data;
  const char *logdir;
  bool cuda;
} options;

static void usage(FILE *to) {
  fprintf(to, "usage: digits_cnn [--epochs N] [--seed S] [--lr X] [--batch-size B] [--data FILE] [--logdir DIR]\n"
              "                  [--device cpu|cuda]\n");
}

static void help(void) {
  usage(stdout);
  printf("Trains a small CNN on the 8x8 digits and prints the mean training loss and the test\n"
         "accuracy after each epoch.\n"
         "  --epochs N      training epochs, 0 or more (default 10)\n"
         "  --seed S        ct_manual_seed before the model is made, 0 to 2^64-1 (default 0)\n"
         "  --lr X          Adam's learning rate, 0 or more (default 0.01)\n"
         "  --batch-size B  images per batch, 1 or more (default 32)\n"
         "  --data FILE     the digits csv, gzip-compressed or plain: 64 pixels 0-16 then the\n"
         "                  label per line (default %s if present, else %s)\n"
         "  --logdir DIR    write TensorBoard event files to DIR (tensorboard --logdir DIR)\n"
         "  --device D      cpu (default) or cuda: where the model trains\n",
         data_paths[0], data_paths[1]);
}

// -1 when the program goes on; otherwise its exit status (cli_parse_options).
static int parse_options(int argc, char **argv, options *o) {
  *o = (options){.epochs = 10, .seed = 0, .lr = 0.01, .batch_size = 32, .data = NULL, .logdir = NULL};
  const cli_option opts[] = {
      {"--epochs", CLI_COUNT, 0, &o->epochs},         {"--seed", CLI_SEED, 0, &o->seed},
      {"--lr", CLI_RATE, 0, &o->lr},                  {"--batch-size", CLI_COUNT, 1, &o->batch_size},
      {"--data", CLI_TEXT, 0, &o->data},              {"--logdir", CLI_DIR, 0, &o->logdir},
      {"--device", CLI_DEVICE, 0, &o->cuda},
  };
  return cli_parse_options(argc, argv, "digits_cnn", opts, (int)(sizeof opts / sizeof *opts), usage, help);
}

// The --data file, or the first installed default; NULL after saying how to get it.
static const char *data_file(const options *o) {
  if (o->data) return o->data;
  for (size_t i = 0; i < sizeof data_paths / sizeof *data_paths; i++)
    if (access(data_paths[i], F_OK) == 0) return data_paths[i];
  fprintf(stderr,
          "digits_cnn: the digits data is not installed: neither %s (Debian's python3-sklearn)\n"
          "nor %s exists. Fetch it with:\n    sh scripts/install-deps.sh\n"
          "(as root, from the ctorch source tree) or name a copy with --data FILE.\n",
          data_paths[0], data_paths[1]);
  return NULL;
}

// ---------------------------------------------------------------------------------------
// Data: images [n, 1, 8, 8] float32 in 0-1 and labels [n] int64, split at row 1500.

typedef struct split {
  ct_tensor *train_images, *train_labels, *test_images, *test_labels;
} split;

static bool make_split(const digits *d, split *s) {
  int64_t n_test = d->count - N_TRAIN;
  s->train_images = ct_tensor_from_f32(d->pixels, CT_SHAPE(N_TRAIN, 1, 8, 8));
  s->train_labels = ct_tensor_from_i64(d->labels, CT_SHAPE(N_TRAIN));
  s->test_images = ct_tensor_from_f32(d->pixels + N_TRAIN * DIGITS_PIXELS, CT_SHAPE(n_test, 1, 8, 8));
  s->test_labels = ct_tensor_from_i64(d->labels + N_TRAIN, CT_SHAPE(n_test));
  return s->train_images && s->train_labels && s->test_images && s->test_labels;
}

// ---------------------------------------------------------------------------------------
// The model, its modules made in this order right after ct_manual_seed.

static ct_module *digits_cnn_new(void) {
  ct_conv_options conv = ct_conv_defaults();
  conv.padding[0] = conv.padding[1] = 1;
  const int64_t kernel_3x3[2] = {3, 3}, window_2x2[2] = {2, 2};
  // One statement per layer: the initial weights depend on the order of the draws, and C
  // leaves the order of the calls in an initializer list open.
  ct_module *conv1 = ct_conv2d_new(1, 8, kernel_3x3, conv);
  ct_module *relu1 = ct_relu_new();
  ct_module *pool1 = ct_max_pool2d_new(window_2x2, ct_pool_defaults());
  ct_module *conv2 = ct_conv2d_new(8, 16, kernel_3x3, conv);
  ct_module *relu2 = ct_relu_new();
  ct_module *pool2 = ct_max_pool2d_new(window_2x2, ct_pool_defaults());
  ct_module *flatten = ct_flatten_new(1, -1);
  ct_module *linear = ct_linear_new(64, 10, true);
  return ct_sequential_new(8, (ct_module *[]){conv1, relu1, pool1, conv2, relu2, pool2, flatten, linear});
}

// ---------------------------------------------------------------------------------------
// Training and testing.

// One pass over the loader; *mean_loss is the mean of the batch losses. 0, or -1 on error.
static int train_epoch(ct_module *model, ct_optimizer *optimizer, ct_dataloader *loader, double *mean_loss) {
  double total = 0;
  int64_t batches = 0;
  if (ct_dataloader_start_epoch(loader) != CT_OK) return -1;
  for (;;) {
    ct_scope *step = ct_scope_open(); // owns every tensor of this batch
    ct_batch batch;
    ct_batch_result got = ct_dataloader_next(loader, &batch);
    if (got != CT_BATCH_READY) {
      ct_scope_close(step);
      *mean_loss = batches ? total / (double)batches : 0.0;
      return got == CT_BATCH_END ? 0 : -1;
    }
    ct_tensor *images = on_run_device(batch.fields[0]), *labels = on_run_device(batch.fields[1]);
    ct_optimizer_zero_grad(optimizer, true);
    ct_tensor *logits = ct_module_forward(model, images);
    ct_tensor *loss = ct_cross_entropy(logits, labels, NULL, -100, 0.0, CT_REDUCTION_MEAN);
    double value;
    int failed = ct_backward(loss, NULL) != CT_OK || ct_optimizer_step(optimizer) != CT_OK ||
                 ct_item(loss, &value) != CT_OK;
    if (ct_scope_close(step) != CT_OK) failed = 1;
    if (failed) return -1;
    total += value;
    batches++;
  }
}

// Fraction of the test images whose highest logit is their label. 0, or -1 on error.
static int test_accuracy(ct_module *model, const split *s, double *accuracy) {
  ct_scope *scope = ct_scope_open();
  bool grad_mode = ct_no_grad_enter();
  ct_tensor *logits = ct_module_forward(model, on_run_device(s->test_images));
  ct_tensor *right = ct_sum(ct_eq(ct_argmax_dim(logits, 1, false), on_run_device(s->test_labels)));
  int64_t count = 0;
  int status = ct_item_int(right, &count) == CT_OK ? 0 : -1;
  ct_grad_mode_restore(grad_mode);
  if (ct_scope_close(scope) != CT_OK) status = -1;
  *accuracy = (double)count / (double)ct_size(s->test_labels, 0);
  return status;
}

// ---------------------------------------------------------------------------------------
// TensorBoard: what --logdir records.

// The first four test images, once.
static ct_status log_test_images(ct_summary_writer *log, const split *s) {
  ct_status st = CT_OK;
  for (int64_t i = 0; i < 4 && st == CT_OK; i++) {
    char tag[32];
    snprintf(tag, sizeof tag, "test_images/%lld", (long long)i);
    st = ct_summary_add_image(log, tag, ct_select(s->test_images, 0, i), 0);
  }
  return st;
}

static ct_status log_epoch(ct_summary_writer *log, ct_module *model, long epoch, double loss, double accuracy) {
  ct_status st = ct_summary_add_scalar(log, "loss/train", loss, epoch);
  if (st == CT_OK) st = ct_summary_add_scalar(log, "accuracy/test", accuracy, epoch);
  if (st == CT_OK) st = ct_summary_add_histogram(log, "conv1.weight", ct_module_parameter(ct_module_child(model, 0), "weight"), epoch);
  return st;
}

// ---------------------------------------------------------------------------------------

int main(int argc, char **argv) {
  options opt;
  int exit_status = parse_options(argc, argv, &opt);
  if (exit_status >= 0) return exit_status;
  if (opt.cuda && ct_cuda_init() != CT_OK) {
    fprintf(stderr, "digits_cnn: --device cuda: %s\n", ct_last_error());
    return 1;
  }
  run_device = opt.cuda ? CT_CUDA : CT_CPU;
  const char *path = data_file(&opt);
  if (!path) return 1;
  digits data = {0};
  if (digits_load(&data, path)) return 1;
  if (data.count <= N_TRAIN) {
    fprintf(stderr,
            "digits_cnn: %s: %lld images; the example needs more than %d (rows 0-%d train, the rest test)\n",
            path, (long long)data.count, N_TRAIN, N_TRAIN - 1);
    digits_free(&data);
    return 1;
  }

  ct_scope *scope = ct_scope_open(); // the data tensors
  split s;
  bool have_data = make_split(&data, &s);
  digits_free(&data);

  // TensorDataset(train_images, train_labels); DataLoader(batch_size, shuffle=True).
  ct_dataset *dataset =
      have_data ? ct_tensor_dataset_new(2, (ct_tensor *[]){s.train_images, s.train_labels}) : NULL;
  ct_dataloader *loader =
      dataset
          ? ct_dataloader_new(dataset, (ct_dataloader_options){.batch_size = opt.batch_size, .shuffle = true})
          : NULL;

  // Model and optimizer.
  ct_manual_seed(opt.seed);
  ct_module *model = loader ? digits_cnn_new() : NULL;
  if (model && ct_module_to(model, run_device, -1) != CT_OK) {
    ct_module_free(model);
    model = NULL;
  }
  int n_params = 0;
  ct_tensor **params = model ? ct_module_parameters(model, &n_params) : NULL;
  ct_adam_options adam = ct_adam_defaults();
  adam.lr = opt.lr;
  ct_optimizer *optimizer = params ? ct_adam_new(params, n_params, adam) : NULL;
  free(params);

  int status = 0;
  if (!optimizer) {
    fprintf(stderr, "digits_cnn: setup failed: %s\n", ct_last_error());
    status = 1;
  }
  ct_summary_writer *log = NULL;
  if (status == 0 && opt.logdir &&
      (!(log = ct_summary_writer_open(opt.logdir)) || log_test_images(log, &s) != CT_OK)) {
    fprintf(stderr, "digits_cnn: --logdir: %s\n", ct_last_error());
    status = 1;
  }
  for (long epoch = 0; status == 0 && epoch < opt.epochs; epoch++) {
    double loss, accuracy;
    if (train_epoch(model, optimizer, loader, &loss) || test_accuracy(model, &s, &accuracy)) {
      fprintf(stderr, "digits_cnn: training failed: %s\n", ct_last_error());
      status = 1;
      break;
    }
    printf("epoch %ld loss %.6f test_acc %.4f\n", epoch, loss, accuracy);
    fflush(stdout);
    if (log && log_epoch(log, model, epoch, loss, accuracy) != CT_OK) {
      fprintf(stderr, "digits_cnn: --logdir: %s\n", ct_last_error());
      status = 1;
    }
  }
  if (log && ct_summary_writer_close(log) != CT_OK && status == 0) {
    fprintf(stderr, "digits_cnn: --logdir: %s\n", ct_last_error());
    status = 1;
  }

  ct_optimizer_free(optimizer);
  ct_module_free(model);
  ct_dataloader_free(loader);
  ct_tensor_dataset_free(dataset);
  if (ct_scope_close(scope) != CT_OK && status == 0) {
    fprintf(stderr, "digits_cnn: %s\n", ct_last_error());
    status = 1;
  }
  return status;
}
