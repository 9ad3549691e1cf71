// Serialized TensorBoard Event messages (protobuf-c, src/tensorboard/tensorboard.proto),
// built as PyTorch's SummaryWriter builds them (torch/utils/tensorboard/summary.py).
#ifndef CTORCH_SRC_TENSORBOARD_EVENT_H
#define CTORCH_SRC_TENSORBOARD_EVENT_H
#include <stddef.h>
#include <stdint.h>
#include "ctorch/error.h"
#include "tensorboard.pb-c.h"
#include "tensorboard/histogram.h"

/// A malloc'd byte string.
typedef struct ct__bytes {
  uint8_t *data;
  size_t len;
} ct__bytes;

/// Serializes any generated message into a new buffer.
ct_status ct__pack_message(const ProtobufCMessage *message, ct__bytes *out);

/// Event{wall_time, step, file_version "brain.Event:2"}: every event file's first record.
ct_status ct__event_file_version(double wall_time, int64_t step, ct__bytes *out);
/// Event{wall_time, step, session_log START}: with purge_step, TensorBoard drops the
/// events of later steps written before it.
ct_status ct__event_session_start(double wall_time, int64_t step, ct__bytes *out);
/// Event{wall_time, step, summary {the given values}}.
ct_status ct__event_summary(double wall_time, int64_t step, Ctorch__Tb__Summary__Value **values, size_t n,
                            ct__bytes *out);

/// The summary values (filled in place; they point at the caller's data).
void ct__value_scalar(Ctorch__Tb__Summary__Value *v, const char *tag, float value);
void ct__value_histogram(Ctorch__Tb__Summary__Value *v, Ctorch__Tb__HistogramProto *histo, const char *tag,
                         const ct__histogram *h);
void ct__value_image(Ctorch__Tb__Summary__Value *v, Ctorch__Tb__Summary__Image *image, const char *tag,
                     int32_t height, int32_t width, int32_t colorspace, const ct__bytes *png);
#endif
