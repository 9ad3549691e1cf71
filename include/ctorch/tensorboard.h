/// @file tensorboard.h
/// @brief TensorBoard logging: torch.utils.tensorboard.SummaryWriter in C.
///
/// A writer owns a log directory and writes TensorBoard event files into it
/// (`events.out.tfevents.<time>.<host>.<pid>.<n>`, TFRecord-framed Event protocol buffers,
/// first record file_version "brain.Event:2"), which the real TensorBoard reads:
/// `tensorboard --logdir runs`. Each call builds the same Summary PyTorch 1.13's
/// SummaryWriter builds for the same arguments.
///
/// Records are buffered in memory and written when `max_queue` are pending, when
/// `flush_secs` have passed since the last write (checked at each add), on
/// ct_summary_writer_flush and on close. Each record reaches the file with one write
/// call, so after a crash TensorBoard reads every record up to the last whole one.
/// A failed write keeps the unwritten records queued; the call reports CT_ERR_IO and a
/// later flush or close tries again. A writer may be shared by threads (calls hold
/// its lock).
///
/// Tags, texts and hyper-parameter names are UTF-8 (protocol buffers' strings; TensorBoard
/// cannot parse other bytes): anything else is rejected with CT_ERR_ARG, nothing written.
#ifndef CTORCH_TENSORBOARD_H
#define CTORCH_TENSORBOARD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// An open SummaryWriter (opaque).
typedef struct ct_summary_writer ct_summary_writer;

/// SummaryWriter's constructor arguments. Start from ct_summary_writer_defaults().
typedef struct ct_summary_writer_options {
  const char *log_dir;         ///< NULL or "": `runs/<%b%d_%H-%M-%S>_<hostname><comment>`
  const char *comment;         ///< appended to the default log_dir (ignored with a log_dir)
  bool has_purge_step;         ///< write purge_step's file_version and START session log
  int64_t purge_step;          ///< the step from which TensorBoard drops older runs' events
  int max_queue;               ///< pending records that force a write (<= 0: no limit); 10
  double flush_secs;           ///< seconds between writes (>= 0); 120
  const char *filename_suffix; ///< appended to each event file's name; ""
} ct_summary_writer_options;

/// Default options: log_dir NULL, comment "", no purge_step, max_queue 10, flush_secs 120.
CT_API ct_summary_writer_options ct_summary_writer_defaults(void);

/// SummaryWriter(log_dir) with the other defaults. Creates the directory (and parents)
/// and the event file with its file_version record. NULL with a message (CT_ERR_IO:
/// the directory cannot be created or written) on failure.
CT_API ct_summary_writer *ct_summary_writer_open(const char *log_dir);
/// SummaryWriter(**options). NULL options: the defaults. Rejects negative or non-finite
/// flush_secs (CT_ERR_ARG).
CT_API ct_summary_writer *ct_summary_writer_open_with(const ct_summary_writer_options *options);
/// The directory the writer writes to (the writer's own string).
CT_API const char *ct_summary_writer_log_dir(const ct_summary_writer *w);

/// add_scalar(tag, value, step): Summary.Value simple_value, the value rounded to float32
/// as protobuf's float field does. NaN and ±Inf are written as they are (TensorBoard
/// reads and plots them as PyTorch writes them).
CT_API ct_status ct_summary_add_scalar(ct_summary_writer *w, const char *tag, double value, int64_t step);

/// add_scalars(main_tag, {tags[i]: values[i]}, step): each value goes to its own event
/// file in `<log_dir>/<main_tag with '/' as '_'>_<tags[i]>`, under the tag main_tag, so
/// TensorBoard draws the n curves in one chart.
CT_API ct_status ct_summary_add_scalars(ct_summary_writer *w, const char *main_tag, const char *const *tags,
                                        const double *values, size_t n, int64_t step);

/// add_histogram(tag, values, step): the histogram of all elements (any shape, any
/// dtype but bool, converted to float64) over PyTorch's default bins="tensorflow".
/// Errors as PyTorch raises them: an empty tensor ("The input has no element."), no
/// value inside the bins.
CT_API ct_status ct_summary_add_histogram(ct_summary_writer *w, const char *tag, const ct_tensor *values,
                                          int64_t step);
/// add_histogram with bins=num_bins (> 0: that many equal-width bins between min and
/// max, as np.histogram(values, bins=num_bins); 0: "tensorflow") and max_bins (> 0:
/// neighbouring bins merged down to at most about max_bins; 0: None).
CT_API ct_status ct_summary_add_histogram_bins(ct_summary_writer *w, const char *tag, const ct_tensor *values,
                                               int64_t step, int64_t num_bins, int64_t max_bins);

/// add_text(tag, text, step): the text plugin's string tensor under `<tag>/text_summary`
/// (TensorBoard renders it as Markdown).
CT_API ct_status ct_summary_add_text(ct_summary_writer *w, const char *tag, const char *text, int64_t step);

/// add_image(tag, img, step) for a CHW image, C in {1, 3, 4}: 1 channel is repeated to
/// RGB, 4 is RGBA. float32/float64 values in [0, 1] become bytes as PyTorch computes them,
/// uint8(float32(x) * 255) (truncated; values outside [0, 1] wrap as NumPy's cast does).
/// ctorch has no uint8 dtype: int32/int64 images hold byte values, 0..255 (PyTorch's
/// uint8 images). PNG-encoded. Other shapes, channel counts and dtypes: CT_ERR_ARG.
CT_API ct_status ct_summary_add_image(ct_summary_writer *w, const char *tag, const ct_tensor *img, int64_t step);

/// The kind of a hyper-parameter's value (PyTorch: int or float, str, bool).
typedef enum ct_hparam_kind { CT_HPARAM_NUMBER = 0, CT_HPARAM_STRING, CT_HPARAM_BOOL } ct_hparam_kind;

/// One hyper-parameter: name and value. A bool is written as PyTorch writes a Python
/// bool (an int): the number 1 or 0.
typedef struct ct_hparam {
  const char *name;
  ct_hparam_kind kind;
  double number;      ///< CT_HPARAM_NUMBER
  const char *string; ///< CT_HPARAM_STRING
  bool boolean;       ///< CT_HPARAM_BOOL
} ct_hparam;

/// add_hparams(hparam_dict, metric_dict, run_name=run_name): writes the hparams plugin's
/// experiment, session start and session end summaries, and each metric as a scalar
/// (step 0), to a new event file in `<log_dir>/<run_name>` (run_name NULL or "": the
/// current time as Python's str(time.time())). Names must be distinct.
CT_API ct_status ct_summary_add_hparams(ct_summary_writer *w, const ct_hparam *hparams, size_t n_hparams,
                                        const char *const *metric_names, const double *metric_values,
                                        size_t n_metrics, const char *run_name);

/// Writes every pending record to its file now.
CT_API ct_status ct_summary_writer_flush(ct_summary_writer *w);
/// Flushes, closes every event file and frees the writer (also when the flush fails:
/// the status says so). NULL: nothing.
CT_API ct_status ct_summary_writer_close(ct_summary_writer *w);

#ifdef __cplusplus
}
#endif
#endif
