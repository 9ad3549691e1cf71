// The misuse catalogue (tests/util/misuse.h) for TensorBoard logging: log dirs that
// cannot be made, bad tags, images of the wrong shape or dtype, histograms PyTorch
// refuses; and what a failed call leaves: earlier records kept, the writer usable.
#define _POSIX_C_SOURCE 200809L // mkdtemp
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "misuse.h"

static char temp_dir[] = "/tmp/ctorch_tb_misuse_XXXXXX";

static int make_temp_dir(void **state) {
  (void)state;
  return mkdtemp(temp_dir) ? 0 : -1;
}

static int remove_temp_dir(void **state) {
  (void)state;
  char command[128];
  snprintf(command, sizeof command, "rm -rf '%s'", temp_dir);
  return system(command);
}

static const char *temp_path(const char *name) {
  static char path[256];
  snprintf(path, sizeof path, "%s/%s", temp_dir, name);
  return path;
}

// Size of the one event file in `dir` (-1: none).
static long event_file_size(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  long size = -1;
  for (struct dirent *e; (e = readdir(d));)
    if (strncmp(e->d_name, "events.out.tfevents.", 20) == 0) {
      char path[512];
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      struct stat st;
      if (stat(path, &st) == 0) size = (long)st.st_size;
    }
  closedir(d);
  return size;
}

static void test_log_dirs(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  FILE *f = fopen(temp_path("plain_file"), "w");
  assert_non_null(f);
  fclose(f);
  char under_file[300];
  snprintf(under_file, sizeof under_file, "%s/run", temp_path("plain_file"));
  MISUSE(ct_summary_writer_open(under_file), "plain_file' exists and is not a directory");
  MISUSE(ct_summary_writer_open(temp_path("plain_file")), "exists and is not a directory");
  MISUSE(ct_summary_writer_open("/proc/self/ctorch_runs"), "SummaryWriter: cannot create directory");
  MISUSE(ct_summary_writer_open("/proc/self"), "SummaryWriter: cannot create event file '/proc/self/events.out.tfevents.");
  ct_summary_writer_options o = ct_summary_writer_defaults();
  o.log_dir = temp_path("options");
  o.flush_secs = -1;
  MISUSE(ct_summary_writer_open_with(&o), "flush_secs must be a finite number >= 0, got -1");
  o.flush_secs = NAN;
  MISUSE(ct_summary_writer_open_with(&o), "flush_secs must be a finite number >= 0");
  o.flush_secs = 1;
  o.comment = "\xc3";
  o.log_dir = NULL;
  MISUSE(ct_summary_writer_open_with(&o), "comment is not valid UTF-8");
  MISUSE_STATUS(ct_summary_add_scalar(NULL, "x", 1, 0), "add_scalar: writer is NULL");
  MISUSE_STATUS(ct_summary_writer_flush(NULL), "flush: writer is NULL");
  assert_int_equal(ct_summary_writer_close(NULL), CT_OK);
  area_done(s);
}

static void test_bad_calls(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_summary_writer *w = ct_summary_writer_open(temp_path("bad_calls"));
  assert_non_null(w);
  assert_int_equal(ct_summary_add_scalar(w, "loss", 0.5, 1), CT_OK);
  // NaN and infinities are values TensorBoard plots, not errors.
  assert_int_equal(ct_summary_add_scalar(w, "loss", NAN, 2), CT_OK);
  assert_int_equal(ct_summary_add_scalar(w, "loss", -INFINITY, 3), CT_OK);
  assert_int_equal(ct_summary_writer_flush(w), CT_OK);
  long written = event_file_size(temp_path("bad_calls"));
  assert_true(written > 0);

  MISUSE_STATUS(ct_summary_add_scalar(w, "bad\xff tag", 1, 0), "add_scalar: tag is not valid UTF-8");
  MISUSE_STATUS(ct_summary_add_scalar(w, "\xed\xa0\x80surrogate", 1, 0), "tag is not valid UTF-8");
  MISUSE_STATUS(ct_summary_add_scalar(w, NULL, 1, 0), "add_scalar: tag is NULL");
  MISUSE_STATUS(ct_summary_add_text(w, "notes", "\xc0\xaf", 0), "add_text: text is not valid UTF-8");
  const char *tags[2] = {"a", "\x80"};
  double values[2] = {1, 2};
  MISUSE_STATUS(ct_summary_add_scalars(w, "main", tags, values, 2, 0), "add_scalars: tag is not valid UTF-8");
  MISUSE_STATUS(ct_summary_add_scalars(w, "main", NULL, values, 2, 0), "add_scalars: tags or values is NULL");

  ct_tensor *flat = ct_ones(CT_SHAPE(4, 4), CT_FLOAT32);
  MISUSE_STATUS(ct_summary_add_image(w, "img", flat, 0), "add_image: size of input tensor and input format are different");
  MISUSE_STATUS(ct_summary_add_image(w, "img", ct_ones(CT_SHAPE(2, 4, 4), CT_FLOAT32), 0), "1, 3 or 4 channels|got 2");
  MISUSE_STATUS(ct_summary_add_image(w, "img", ct_ones(CT_SHAPE(3, 0, 4), CT_FLOAT32), 0), "height and width");
  MISUSE_STATUS(ct_summary_add_image(w, "img", ct_ones(CT_SHAPE(3, 2, 2), CT_BOOL), 0), "got bool");
  MISUSE_STATUS(ct_summary_add_image(w, "img", ct_full(CT_SHAPE(1, 2, 2), 300, CT_INT64), 0),
                "byte values 0..255, got 300");
  NULL_STATUS(ct_summary_add_image(w, "img", NULL, 0), "add_image");

  MISUSE_STATUS(ct_summary_add_histogram(w, "h", ct_zeros(CT_SHAPE(0), CT_FLOAT32), 0),
                "add_histogram: The input has no element.");
  MISUSE_STATUS(ct_summary_add_histogram(w, "h", ct_full(CT_SHAPE(3), 1e30, CT_FLOAT64), 0), "The histogram is empty");
  ct_tensor *with_inf = ct_full(CT_SHAPE(3), INFINITY, CT_FLOAT32);
  MISUSE_STATUS(ct_summary_add_histogram_bins(w, "h", with_inf, 0, 10, 0), "autodetected range of [inf, inf] is not finite");
  MISUSE_STATUS(ct_summary_add_histogram_bins(w, "h", flat, 0, -1, 0), "bins and max_bins must be >= 0");
  NULL_STATUS(ct_summary_add_histogram(w, "h", NULL, 0), "add_histogram");

  ct_hparam twice[2] = {{.name = "lr", .number = 0.1}, {.name = "lr", .number = 0.2}};
  const char *metric = "m";
  MISUSE_STATUS(ct_summary_add_hparams(w, twice, 2, &metric, values, 1, "r"), "hyper-parameter 'lr' given twice");
  ct_hparam bad_kind = {.name = "x", .kind = (ct_hparam_kind)9};
  MISUSE_STATUS(ct_summary_add_hparams(w, &bad_kind, 1, &metric, values, 1, "r"),
                "value should be one of int, float, str, bool");
  ct_hparam bad_text = {.name = "opt", .kind = CT_HPARAM_STRING, .string = "\xfe"};
  MISUSE_STATUS(ct_summary_add_hparams(w, &bad_text, 1, &metric, values, 1, "r"), "hparam value is not valid UTF-8");
  MISUSE_STATUS(ct_summary_add_hparams(w, NULL, 1, NULL, NULL, 0, "r"), "hparams or metrics is NULL");

  // Nothing the failed calls touched reached the file; the writer still works.
  assert_int_equal(ct_summary_writer_flush(w), CT_OK);
  assert_int_equal(event_file_size(temp_path("bad_calls")), written);
  assert_int_equal(ct_summary_add_scalar(w, "loss", 0.25, 4), CT_OK);
  assert_int_equal(ct_summary_writer_close(w), CT_OK);
  assert_true(event_file_size(temp_path("bad_calls")) > written);
  area_done(s);
}

// Records wait in memory until max_queue are pending, flush_secs pass, or a flush.
static void test_buffering(void **state) {
  (void)state;
  ct_summary_writer_options o = ct_summary_writer_defaults();
  o.log_dir = temp_path("buffered");
  o.max_queue = 3;
  o.flush_secs = 1000;
  ct_summary_writer *w = ct_summary_writer_open_with(&o);
  assert_non_null(w);
  long first = event_file_size(o.log_dir); // the file_version record, written at once
  assert_true(first > 0);
  assert_int_equal(ct_summary_add_scalar(w, "x", 1, 1), CT_OK);
  assert_int_equal(ct_summary_add_scalar(w, "x", 2, 2), CT_OK);
  assert_int_equal(event_file_size(o.log_dir), first);
  assert_int_equal(ct_summary_add_scalar(w, "x", 3, 3), CT_OK); // the third fills the queue
  long three = event_file_size(o.log_dir);
  assert_true(three > first);
  assert_int_equal(ct_summary_add_scalar(w, "x", 4, 4), CT_OK);
  assert_int_equal(event_file_size(o.log_dir), three);
  assert_int_equal(ct_summary_writer_flush(w), CT_OK);
  assert_true(event_file_size(o.log_dir) > three);
  assert_int_equal(ct_summary_writer_close(w), CT_OK);

  o.log_dir = temp_path("unbuffered");
  o.max_queue = 0;
  o.flush_secs = 0; // due at every add
  w = ct_summary_writer_open_with(&o);
  assert_non_null(w);
  first = event_file_size(o.log_dir);
  assert_int_equal(ct_summary_add_text(w, "t", "now", 0), CT_OK);
  assert_true(event_file_size(o.log_dir) > first);
  assert_int_equal(ct_summary_writer_close(w), CT_OK);
}

// The lengths of the framed records chain exactly to the end of the file (no torn record).
static bool whole_records(const char *dir, int *count) {
  DIR *d = opendir(dir);
  char path[512] = "";
  for (struct dirent *e; d && (e = readdir(d));)
    if (strncmp(e->d_name, "events.out.tfevents.", 20) == 0) snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
  if (d) closedir(d);
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  *count = 0;
  unsigned char header[12];
  bool ok = true;
  while (ok && fread(header, 1, 12, f) == 12) {
    uint64_t length = 0;
    for (int i = 7; i >= 0; i--) length = length << 8 | header[i];
    ok = fseek(f, (long)length + 4, SEEK_CUR) == 0 && ftell(f) <= event_file_size(dir);
    *count += ok;
  }
  ok = ok && ftell(f) == event_file_size(dir);
  fclose(f);
  return ok;
}

// A write the file system refuses part way (here: the file size limit) is reported; the
// torn record is cut off again, stays queued, and a later flush writes it whole.
static void test_failed_write(void **state) {
  (void)state;
  ct_summary_writer_options o = ct_summary_writer_defaults();
  o.log_dir = temp_path("full");
  o.flush_secs = 1000;
  ct_summary_writer *w = ct_summary_writer_open_with(&o);
  assert_non_null(w);
  assert_int_equal(ct_summary_add_scalar(w, "kept", 1, 0), CT_OK);
  assert_int_equal(ct_summary_writer_flush(w), CT_OK);
  long before = event_file_size(o.log_dir);
  char long_text[600];
  memset(long_text, 'x', sizeof long_text - 1);
  long_text[sizeof long_text - 1] = '\0';
  assert_int_equal(ct_summary_add_text(w, "notes", long_text, 1), CT_OK);
  struct rlimit saved, limit;
  getrlimit(RLIMIT_FSIZE, &saved);
  limit = saved;
  limit.rlim_cur = (rlim_t)before + 100;
  void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
  ct_status st = ct_summary_writer_flush(w);
  setrlimit(RLIMIT_FSIZE, &saved);
  signal(SIGXFSZ, old_handler);
  assert_int_equal(st, CT_ERR_IO);
  tu_assert_contains(ct_last_error(), "SummaryWriter: cannot write");
  ct_clear_error();
  assert_int_equal(event_file_size(o.log_dir), before); // the torn record was cut off
  assert_int_equal(ct_summary_writer_close(w), CT_OK);  // and written whole now
  int records = 0;
  assert_true(whole_records(o.log_dir, &records));
  assert_int_equal(records, 3); // file_version, kept, notes
}

static void test_catalogue_size(void **state) {
  (void)state;
  expect_cases_at_least(30);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_log_dirs),
      cmocka_unit_test(test_bad_calls),
      cmocka_unit_test(test_buffering),
      cmocka_unit_test(test_failed_write),
      cmocka_unit_test(test_catalogue_size),
  };
  return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}
