#include "tensorboard/event.h"
#include <stdlib.h>
#include "core/error_impl.h"

ct_status ct__pack_message(const ProtobufCMessage *message, ct__bytes *out) {
  size_t n = protobuf_c_message_get_packed_size(message);
  out->data = malloc(n ? n : 1);
  if (!out->data) return ct__error(CT_ERR_MEMORY, "SummaryWriter: out of memory");
  out->len = protobuf_c_message_pack(message, out->data);
  return CT_OK;
}

// Stamps an Event whose payload is set and serializes it.
static ct_status pack_event(Ctorch__Tb__Event *event, double wall_time, int64_t step, ct__bytes *out) {
  event->wall_time = wall_time;
  event->step = step;
  return ct__pack_message(&event->base, out);
}

ct_status ct__event_file_version(double wall_time, int64_t step, ct__bytes *out) {
  Ctorch__Tb__Event event = CTORCH__TB__EVENT__INIT;
  event.what_case = CTORCH__TB__EVENT__WHAT_FILE_VERSION;
  event.file_version = "brain.Event:2";
  return pack_event(&event, wall_time, step, out);
}

ct_status ct__event_session_start(double wall_time, int64_t step, ct__bytes *out) {
  Ctorch__Tb__SessionLog log = CTORCH__TB__SESSION_LOG__INIT;
  log.status = CTORCH__TB__SESSION_LOG__STATUS__START;
  Ctorch__Tb__Event event = CTORCH__TB__EVENT__INIT;
  event.what_case = CTORCH__TB__EVENT__WHAT_SESSION_LOG;
  event.session_log = &log;
  return pack_event(&event, wall_time, step, out);
}

ct_status ct__event_summary(double wall_time, int64_t step, Ctorch__Tb__Summary__Value **values, size_t n,
                            ct__bytes *out) {
  Ctorch__Tb__Summary summary = CTORCH__TB__SUMMARY__INIT;
  summary.n_value = n;
  summary.value = values;
  Ctorch__Tb__Event event = CTORCH__TB__EVENT__INIT;
  event.what_case = CTORCH__TB__EVENT__WHAT_SUMMARY;
  event.summary = &summary;
  return pack_event(&event, wall_time, step, out);
}

// The generated structs hold `char *` for strings they never write to.
void ct__value_scalar(Ctorch__Tb__Summary__Value *v, const char *tag, float value) {
  ctorch__tb__summary__value__init(v);
  v->tag = (char *)tag;
  v->value_case = CTORCH__TB__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
  v->simple_value = value;
}

void ct__value_histogram(Ctorch__Tb__Summary__Value *v, Ctorch__Tb__HistogramProto *histo, const char *tag,
                         const ct__histogram *h) {
  ctorch__tb__histogram_proto__init(histo);
  histo->min = h->min;
  histo->max = h->max;
  histo->num = h->num;
  histo->sum = h->sum;
  histo->sum_squares = h->sum_squares;
  histo->n_bucket_limit = histo->n_bucket = h->nbuckets;
  histo->bucket_limit = h->bucket_limit;
  histo->bucket = h->bucket;
  ctorch__tb__summary__value__init(v);
  v->tag = (char *)tag;
  v->value_case = CTORCH__TB__SUMMARY__VALUE__VALUE_HISTO;
  v->histo = histo;
}

void ct__value_image(Ctorch__Tb__Summary__Value *v, Ctorch__Tb__Summary__Image *image, const char *tag,
                     int32_t height, int32_t width, int32_t colorspace, const ct__bytes *png) {
  ctorch__tb__summary__image__init(image);
  image->height = height;
  image->width = width;
  image->colorspace = colorspace;
  image->encoded_image_string.data = png->data;
  image->encoded_image_string.len = png->len;
  ctorch__tb__summary__value__init(v);
  v->tag = (char *)tag;
  v->value_case = CTORCH__TB__SUMMARY__VALUE__VALUE_IMAGE;
  v->image = image;
}
