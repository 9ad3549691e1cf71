// Summaries read by TensorBoard's plugins: the text plugin and the hparams plugin.
#ifndef CTORCH_SRC_TENSORBOARD_PLUGINS_H
#define CTORCH_SRC_TENSORBOARD_PLUGINS_H
#include "ctorch/tensorboard.h"
#include "tensorboard/event.h"

/// summary.text(tag, text) as an Event at `step`.
ct_status ct__event_text(double wall_time, int64_t step, const char *tag, const char *text, ct__bytes *out);

/// summary.hparams(...)'s three summaries, each an Event at step 0: out[0] experiment,
/// out[1] session start info, out[2] session end info.
ct_status ct__events_hparams(double wall_time, const ct_hparam *hparams, size_t n_hparams,
                             const char *const *metric_names, size_t n_metrics, ct__bytes out[3]);
#endif
