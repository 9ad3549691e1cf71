// ct_summary_writer: torch.utils.tensorboard.SummaryWriter over event files
// (event_file.c), the main one in log_dir and one per add_scalars series.
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/tensorboard.h"
#include "tensorboard/event_file.h"
#include "tensorboard/image.h"
#include "tensorboard/plugins.h"
#include "tensorboard/png.h"

typedef struct series_file {
  char *dir;
  ct__event_file *file;
} series_file;

struct ct_summary_writer {
  pthread_mutex_t lock;
  char *log_dir;
  char *filename_suffix;
  int max_queue;
  double flush_secs;
  ct__event_file *main;
  series_file *series; ///< add_scalars' writers, by directory
  size_t nseries, series_cap;
};

ct_summary_writer_options ct_summary_writer_defaults(void) {
  return (ct_summary_writer_options){.max_queue = 10, .flush_secs = 120};
}

// snprintf into a new buffer.
static char *format_new(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format_new(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *out = len >= 0 ? malloc((size_t)len + 1) : NULL;
  if (!out) return NULL;
  va_start(ap, fmt);
  vsnprintf(out, (size_t)len + 1, fmt, ap);
  va_end(ap);
  return out;
}

// runs/<%b%d_%H-%M-%S>_<hostname><comment>, PyTorch's default log_dir (local time).
static char *default_log_dir(const char *comment) {
  char stamp[64], host[256] = "localhost";
  time_t now = time(NULL);
  struct tm local;
  localtime_r(&now, &local);
  strftime(stamp, sizeof stamp, "%b%d_%H-%M-%S", &local);
  gethostname(host, sizeof host - 1);
  host[sizeof host - 1] = '\0';
  return format_new("runs/%s_%s%s", stamp, host, comment ? comment : "");
}

// Protocol buffers' strings are UTF-8; TensorBoard's parser rejects other bytes.
static bool valid_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int extra = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
    if (extra < 0 || (extra == 1 && *p < 0xC2)) return false;
    uint32_t cp = *p & (0x7F >> extra);
    for (int i = 1; i <= extra; i++) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    p += extra + 1;
  }
  return true;
}

static ct_status check_text(const char *fn, const char *what, const char *s) {
  if (!s) return ct__error(CT_ERR_ARG, "%s: %s is NULL", fn, what);
  if (!valid_utf8(s)) return ct__error(CT_ERR_ARG, "%s: %s is not valid UTF-8", fn, what);
  return CT_OK;
}

static ct_status check_writer(const char *fn, const ct_summary_writer *w) {
  return w ? CT_OK : ct__error(CT_ERR_ARG, "%s: writer is NULL", fn);
}

ct_summary_writer *ct_summary_writer_open_with(const ct_summary_writer_options *options) {
  ct_summary_writer_options o = options ? *options : ct_summary_writer_defaults();
  if (!isfinite(o.flush_secs) || o.flush_secs < 0)
    return ct__error_null(CT_ERR_ARG, "SummaryWriter: flush_secs must be a finite number >= 0, got %g", o.flush_secs);
  if (o.comment && !valid_utf8(o.comment)) return ct__error_null(CT_ERR_ARG, "SummaryWriter: comment is not valid UTF-8");
  ct_summary_writer *w = calloc(1, sizeof *w);
  if (!w) return ct__error_null(CT_ERR_MEMORY, "SummaryWriter: out of memory");
  pthread_mutex_init(&w->lock, NULL);
  w->log_dir = o.log_dir && *o.log_dir ? strdup(o.log_dir) : default_log_dir(o.comment);
  w->filename_suffix = strdup(o.filename_suffix ? o.filename_suffix : "");
  w->max_queue = o.max_queue;
  w->flush_secs = o.flush_secs;
  if (!w->log_dir || !w->filename_suffix) {
    ct_summary_writer_close(w);
    return ct__error_null(CT_ERR_MEMORY, "SummaryWriter: out of memory");
  }
  w->main = ct__event_file_open(w->log_dir, w->max_queue, w->flush_secs, w->filename_suffix);
  bool ok = w->main != NULL;
  if (ok && o.has_purge_step) {
    ct__bytes version, start;
    double now = ct__wall_time();
    ok = ct__event_file_version(now, o.purge_step, &version) == CT_OK &&
         ct__event_file_add(w->main, version) == CT_OK &&
         ct__event_session_start(ct__wall_time(), o.purge_step, &start) == CT_OK &&
         ct__event_file_add(w->main, start) == CT_OK;
  }
  if (!ok) {
    char *message = strdup(ct_last_error());
    ct_status st = ct_last_status();
    ct_summary_writer_close(w);
    ct__error(st, "%s", message ? message : "SummaryWriter: out of memory");
    free(message);
    return NULL;
  }
  return w;
}

ct_summary_writer *ct_summary_writer_open(const char *log_dir) {
  ct_summary_writer_options o = ct_summary_writer_defaults();
  o.log_dir = log_dir;
  return ct_summary_writer_open_with(&o);
}

const char *ct_summary_writer_log_dir(const ct_summary_writer *w) { return w ? w->log_dir : NULL; }

// Queues an event on `file` under the writer's lock (the event buffer is taken).
static ct_status add_locked(ct_summary_writer *w, ct__event_file *file, ct__bytes event) {
  pthread_mutex_lock(&w->lock);
  ct_status st = ct__event_file_add(file, event);
  pthread_mutex_unlock(&w->lock);
  return st;
}

static ct_status add_values(ct_summary_writer *w, ct__event_file *file, int64_t step, Ctorch__Tb__Summary__Value *v) {
  ct__bytes event;
  ct_status st = ct__event_summary(ct__wall_time(), step, &v, 1, &event);
  return st == CT_OK ? add_locked(w, file, event) : st;
}

ct_status ct_summary_add_scalar(ct_summary_writer *w, const char *tag, double value, int64_t step) {
  ct_status st = check_writer("add_scalar", w);
  if (st == CT_OK) st = check_text("add_scalar", "tag", tag);
  if (st != CT_OK) return st;
  Ctorch__Tb__Summary__Value v;
  ct__value_scalar(&v, tag, (float)value);
  return add_values(w, w->main, step, &v);
}

// The event file of one add_scalars series, opened on first use (caller holds the lock).
static ct__event_file *series_file_for(ct_summary_writer *w, const char *dir) {
  for (size_t i = 0; i < w->nseries; i++)
    if (strcmp(w->series[i].dir, dir) == 0) return w->series[i].file;
  if (w->nseries == w->series_cap) {
    size_t cap = w->series_cap ? 2 * w->series_cap : 4;
    series_file *grown = realloc(w->series, cap * sizeof *grown);
    if (!grown) return ct__error_null(CT_ERR_MEMORY, "add_scalars: out of memory");
    w->series = grown;
    w->series_cap = cap;
  }
  char *copy = strdup(dir);
  if (!copy) return ct__error_null(CT_ERR_MEMORY, "add_scalars: out of memory");
  ct__event_file *file = ct__event_file_open(dir, w->max_queue, w->flush_secs, w->filename_suffix);
  if (!file) {
    free(copy);
    return NULL;
  }
  w->series[w->nseries++] = (series_file){copy, file};
  return file;
}

// `<log_dir>/<main_tag with '/' replaced by '_'>_<tag>`.
static char *series_dir(const char *log_dir, const char *main_tag, const char *tag) {
  char *dir = format_new("%s/%s_%s", log_dir, main_tag, tag);
  if (dir)
    for (char *p = dir + strlen(log_dir) + 1, *end = p + strlen(main_tag); p < end; p++)
      if (*p == '/') *p = '_';
  return dir;
}

ct_status ct_summary_add_scalars(ct_summary_writer *w, const char *main_tag, const char *const *tags,
                                 const double *values, size_t n, int64_t step) {
  ct_status st = check_writer("add_scalars", w);
  if (st == CT_OK) st = check_text("add_scalars", "main_tag", main_tag);
  if (st == CT_OK && n && (!tags || !values)) st = ct__error(CT_ERR_ARG, "add_scalars: tags or values is NULL");
  for (size_t i = 0; i < n && st == CT_OK; i++) st = check_text("add_scalars", "tag", tags[i]);
  if (st != CT_OK) return st;
  double now = ct__wall_time(); // one walltime for the whole dict, as PyTorch
  for (size_t i = 0; i < n && st == CT_OK; i++) {
    char *dir = series_dir(w->log_dir, main_tag, tags[i]);
    if (!dir) return ct__error(CT_ERR_MEMORY, "add_scalars: out of memory");
    Ctorch__Tb__Summary__Value v;
    ct__value_scalar(&v, main_tag, (float)values[i]);
    Ctorch__Tb__Summary__Value *vp = &v;
    ct__bytes event;
    st = ct__event_summary(now, step, &vp, 1, &event);
    if (st == CT_OK) {
      pthread_mutex_lock(&w->lock);
      ct__event_file *file = series_file_for(w, dir);
      if (file) st = ct__event_file_add(file, event);
      else {
        free(event.data);
        st = ct_last_status();
      }
      pthread_mutex_unlock(&w->lock);
    }
    free(dir);
  }
  return st;
}

ct_status ct_summary_add_histogram_bins(ct_summary_writer *w, const char *tag, const ct_tensor *values, int64_t step,
                                        int64_t num_bins, int64_t max_bins) {
  ct_status st = check_writer("add_histogram", w);
  if (st == CT_OK) st = check_text("add_histogram", "tag", tag);
  if (st != CT_OK) return st;
  if (!values) return ct__null_tensor_status("add_histogram");
  if (num_bins < 0 || max_bins < 0)
    return ct__error(CT_ERR_ARG, "add_histogram: bins and max_bins must be >= 0, got %lld and %lld",
                     (long long)num_bins, (long long)max_bins);
  ct_tensor *host = ct__on_host(values); // a device tensor's values read back (tensor.cpu())
  ct_tensor *dense = host ? ct__copy_as(host, CT_FLOAT64) : NULL; // values.astype(float)
  ct__drop(host);
  if (!dense) return ct_last_status();
  ct__histogram h;
  st = ct__histogram_build((const double *)ct__data(dense), (size_t)ct_numel(dense), num_bins, max_bins, &h);
  ct__drop(dense);
  if (st != CT_OK) return st;
  Ctorch__Tb__Summary__Value v;
  Ctorch__Tb__HistogramProto histo;
  ct__value_histogram(&v, &histo, tag, &h);
  st = add_values(w, w->main, step, &v);
  ct__histogram_free(&h);
  return st;
}

ct_status ct_summary_add_histogram(ct_summary_writer *w, const char *tag, const ct_tensor *values, int64_t step) {
  return ct_summary_add_histogram_bins(w, tag, values, step, 0, 0);
}

ct_status ct_summary_add_text(ct_summary_writer *w, const char *tag, const char *text, int64_t step) {
  ct_status st = check_writer("add_text", w);
  if (st == CT_OK) st = check_text("add_text", "tag", tag);
  if (st == CT_OK) st = check_text("add_text", "text", text);
  if (st != CT_OK) return st;
  ct__bytes event;
  st = ct__event_text(ct__wall_time(), step, tag, text, &event);
  return st == CT_OK ? add_locked(w, w->main, event) : st;
}

ct_status ct_summary_add_image(ct_summary_writer *w, const char *tag, const ct_tensor *img, int64_t step) {
  ct_status st = check_writer("add_image", w);
  if (st == CT_OK) st = check_text("add_image", "tag", tag);
  if (st != CT_OK) return st;
  if (!img) return ct__null_tensor_status("add_image");
  uint8_t *pixels;
  int channels;
  st = ct__image_pixels(img, &pixels, &channels);
  if (st != CT_OK) return st;
  int32_t height = (int32_t)img->shape[1], width = (int32_t)img->shape[2];
  ct__bytes png;
  st = ct__png_encode(pixels, height, width, channels, &png.data, &png.len);
  free(pixels);
  if (st != CT_OK) return st;
  Ctorch__Tb__Summary__Value v;
  Ctorch__Tb__Summary__Image image;
  ct__value_image(&v, &image, tag, height, width, channels, &png);
  st = add_values(w, w->main, step, &v);
  free(png.data);
  return st;
}

// Python's str(float): the shortest digits that read back as the same double.
static void python_float_repr(double x, char *out, size_t cap) {
  for (int digits = 1; digits <= 17; digits++) {
    snprintf(out, cap, "%.*g", digits, x);
    if (strtod(out, NULL) == x) break;
  }
  if (!strpbrk(out, ".en")) strncat(out, ".0", cap - strlen(out) - 1);
}

static ct_status check_hparams(const ct_hparam *hparams, size_t nh, const char *const *names, const double *values,
                               size_t nm) {
  if ((nh && !hparams) || (nm && (!names || !values)))
    return ct__error(CT_ERR_ARG, "add_hparams: hparams or metrics is NULL");
  ct_status st = CT_OK;
  for (size_t i = 0; i < nh && st == CT_OK; i++) {
    st = check_text("add_hparams", "hparam name", hparams[i].name);
    if (st == CT_OK && (unsigned)hparams[i].kind > CT_HPARAM_BOOL)
      st = ct__error(CT_ERR_ARG, "add_hparams: value should be one of int, float, str, bool, or torch.Tensor");
    if (st == CT_OK && hparams[i].kind == CT_HPARAM_STRING) st = check_text("add_hparams", "hparam value", hparams[i].string);
    for (size_t j = 0; j < i && st == CT_OK; j++)
      if (strcmp(hparams[i].name, hparams[j].name) == 0)
        st = ct__error(CT_ERR_ARG, "add_hparams: hyper-parameter '%s' given twice", hparams[i].name);
  }
  for (size_t i = 0; i < nm && st == CT_OK; i++) {
    st = check_text("add_hparams", "metric name", names[i]);
    for (size_t j = 0; j < i && st == CT_OK; j++)
      if (strcmp(names[i], names[j]) == 0) st = ct__error(CT_ERR_ARG, "add_hparams: metric '%s' given twice", names[i]);
  }
  return st;
}

ct_status ct_summary_add_hparams(ct_summary_writer *w, const ct_hparam *hparams, size_t nh, const char *const *names,
                                 const double *values, size_t nm, const char *run_name) {
  ct_status st = check_writer("add_hparams", w);
  if (st == CT_OK) st = check_hparams(hparams, nh, names, values, nm);
  if (st == CT_OK && run_name) st = check_text("add_hparams", "run_name", run_name);
  if (st != CT_OK) return st;
  char now[40];
  python_float_repr(ct__wall_time(), now, sizeof now);
  char *dir = format_new("%s/%s", w->log_dir, run_name && *run_name ? run_name : now);
  if (!dir) return ct__error(CT_ERR_MEMORY, "add_hparams: out of memory");
  ct__bytes events[3];
  st = ct__events_hparams(ct__wall_time(), hparams, nh, names, nm, events);
  ct__event_file *file = NULL;
  if (st == CT_OK) {
    file = ct__event_file_open(dir, 10, 120, "");
    st = file ? CT_OK : ct_last_status();
  }
  for (int i = 0; i < 3; i++) {
    if (st == CT_OK) st = ct__event_file_add(file, events[i]);
    else free(events[i].data);
  }
  for (size_t i = 0; i < nm && st == CT_OK; i++) {
    Ctorch__Tb__Summary__Value v;
    ct__value_scalar(&v, names[i], (float)values[i]);
    Ctorch__Tb__Summary__Value *vp = &v;
    ct__bytes event;
    st = ct__event_summary(ct__wall_time(), 0, &vp, 1, &event);
    if (st == CT_OK) st = ct__event_file_add(file, event);
  }
  ct_status closed = ct__event_file_close(file);
  free(dir);
  return st != CT_OK ? st : closed;
}

ct_status ct_summary_writer_flush(ct_summary_writer *w) {
  ct_status st = check_writer("flush", w);
  if (st != CT_OK) return st;
  pthread_mutex_lock(&w->lock);
  st = ct__event_file_flush(w->main);
  for (size_t i = 0; i < w->nseries; i++) {
    ct_status s = ct__event_file_flush(w->series[i].file);
    if (st == CT_OK) st = s;
  }
  pthread_mutex_unlock(&w->lock);
  return st;
}

ct_status ct_summary_writer_close(ct_summary_writer *w) {
  if (!w) return CT_OK;
  ct_status st = ct__event_file_close(w->main);
  for (size_t i = 0; i < w->nseries; i++) {
    ct_status s = ct__event_file_close(w->series[i].file);
    if (st == CT_OK) st = s;
    free(w->series[i].dir);
  }
  pthread_mutex_destroy(&w->lock);
  free(w->series);
  free(w->log_dir);
  free(w->filename_suffix);
  free(w);
  return st;
}
