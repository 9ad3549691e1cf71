#include "tensorboard/plugins.h"
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"

ct_status ct__event_text(double wall_time, int64_t step, const char *tag, const char *text, ct__bytes *out) {
  size_t tag_len = strlen(tag);
  char *full_tag = malloc(tag_len + sizeof "/text_summary");
  if (!full_tag) return ct__error(CT_ERR_MEMORY, "add_text: out of memory");
  memcpy(full_tag, tag, tag_len);
  memcpy(full_tag + tag_len, "/text_summary", sizeof "/text_summary");
  // TextPluginData(version=0) serializes to no bytes.
  Ctorch__Tb__SummaryMetadata__PluginData plugin = CTORCH__TB__SUMMARY_METADATA__PLUGIN_DATA__INIT;
  plugin.plugin_name = "text";
  Ctorch__Tb__SummaryMetadata metadata = CTORCH__TB__SUMMARY_METADATA__INIT;
  metadata.plugin_data = &plugin;
  Ctorch__Tb__TensorShapeProto__Dim dim = CTORCH__TB__TENSOR_SHAPE_PROTO__DIM__INIT;
  dim.size = 1;
  Ctorch__Tb__TensorShapeProto__Dim *dims[1] = {&dim};
  Ctorch__Tb__TensorShapeProto shape = CTORCH__TB__TENSOR_SHAPE_PROTO__INIT;
  shape.n_dim = 1;
  shape.dim = dims;
  ProtobufCBinaryData string_val = {strlen(text), (uint8_t *)text};
  Ctorch__Tb__TensorProto tensor = CTORCH__TB__TENSOR_PROTO__INIT;
  tensor.dtype = CTORCH__TB__TENSOR_PROTO__DATA_TYPE__DT_STRING;
  tensor.tensor_shape = &shape;
  tensor.n_string_val = 1;
  tensor.string_val = &string_val;
  Ctorch__Tb__Summary__Value value = CTORCH__TB__SUMMARY__VALUE__INIT;
  value.tag = full_tag;
  value.metadata = &metadata;
  value.value_case = CTORCH__TB__SUMMARY__VALUE__VALUE_TENSOR;
  value.tensor = &tensor;
  Ctorch__Tb__Summary__Value *values[1] = {&value};
  ct_status st = ct__event_summary(wall_time, step, values, 1, out);
  free(full_tag);
  return st;
}

// Event{summary {value {tag, metadata {plugin "hparams", content: HParamsPluginData}}}}.
static ct_status hparams_event(double wall_time, const char *tag, Ctorch__Tb__HParamsPluginData *data,
                               ct__bytes *out) {
  ct__bytes content;
  ct_status st = ct__pack_message(&data->base, &content);
  if (st != CT_OK) return st;
  Ctorch__Tb__SummaryMetadata__PluginData plugin = CTORCH__TB__SUMMARY_METADATA__PLUGIN_DATA__INIT;
  plugin.plugin_name = "hparams";
  plugin.content.data = content.data;
  plugin.content.len = content.len;
  Ctorch__Tb__SummaryMetadata metadata = CTORCH__TB__SUMMARY_METADATA__INIT;
  metadata.plugin_data = &plugin;
  Ctorch__Tb__Summary__Value value = CTORCH__TB__SUMMARY__VALUE__INIT;
  value.tag = (char *)tag;
  value.metadata = &metadata;
  Ctorch__Tb__Summary__Value *values[1] = {&value};
  st = ct__event_summary(wall_time, 0, values, 1, out);
  free(content.data);
  return st;
}

// The per-hparam and per-metric messages, allocated together and freed by free_parts.
typedef struct hparam_parts {
  Ctorch__Tb__HParamEntry *entries, **entry_ptrs;
  Ctorch__Tb__Value *values;
  Ctorch__Tb__HParamInfo *infos, **info_ptrs;
  Ctorch__Tb__MetricName *metric_names;
  Ctorch__Tb__MetricInfo *metrics, **metric_ptrs;
} hparam_parts;

static void free_parts(hparam_parts *p) {
  free(p->entries);
  free(p->entry_ptrs);
  free(p->values);
  free(p->infos);
  free(p->info_ptrs);
  free(p->metric_names);
  free(p->metrics);
  free(p->metric_ptrs);
}

static bool alloc_parts(hparam_parts *p, size_t nh, size_t nm) {
  size_t h = nh ? nh : 1, m = nm ? nm : 1;
  p->entries = calloc(h, sizeof *p->entries);
  p->entry_ptrs = calloc(h, sizeof *p->entry_ptrs);
  p->values = calloc(h, sizeof *p->values);
  p->infos = calloc(h, sizeof *p->infos);
  p->info_ptrs = calloc(h, sizeof *p->info_ptrs);
  p->metric_names = calloc(m, sizeof *p->metric_names);
  p->metrics = calloc(m, sizeof *p->metrics);
  p->metric_ptrs = calloc(m, sizeof *p->metric_ptrs);
  return p->entries && p->entry_ptrs && p->values && p->infos && p->info_ptrs && p->metric_names && p->metrics &&
         p->metric_ptrs;
}

// hparams(): numbers (and bools, Python ints) as number_value / DATA_TYPE_FLOAT64,
// strings as string_value / DATA_TYPE_STRING.
static void fill_parts(hparam_parts *p, const ct_hparam *hparams, size_t nh, const char *const *metric_names,
                       size_t nm) {
  for (size_t i = 0; i < nh; i++) {
    Ctorch__Tb__Value *v = &p->values[i];
    ctorch__tb__value__init(v);
    Ctorch__Tb__HParamInfo *info = &p->infos[i];
    ctorch__tb__hparam_info__init(info);
    info->name = (char *)hparams[i].name;
    if (hparams[i].kind == CT_HPARAM_STRING) {
      v->kind_case = CTORCH__TB__VALUE__KIND_STRING_VALUE;
      v->string_value = (char *)hparams[i].string;
      info->type = CTORCH__TB__HPARAM_INFO__DATA_TYPE__DATA_TYPE_STRING;
    } else {
      v->kind_case = CTORCH__TB__VALUE__KIND_NUMBER_VALUE;
      v->number_value = hparams[i].kind == CT_HPARAM_BOOL ? (hparams[i].boolean ? 1.0 : 0.0) : hparams[i].number;
      info->type = CTORCH__TB__HPARAM_INFO__DATA_TYPE__DATA_TYPE_FLOAT64;
    }
    ctorch__tb__hparam_entry__init(&p->entries[i]);
    p->entries[i].key = (char *)hparams[i].name;
    p->entries[i].value = v;
    p->entry_ptrs[i] = &p->entries[i];
    p->info_ptrs[i] = info;
  }
  for (size_t i = 0; i < nm; i++) {
    ctorch__tb__metric_name__init(&p->metric_names[i]);
    p->metric_names[i].tag = (char *)metric_names[i];
    ctorch__tb__metric_info__init(&p->metrics[i]);
    p->metrics[i].name = &p->metric_names[i];
    p->metric_ptrs[i] = &p->metrics[i];
  }
}

ct_status ct__events_hparams(double wall_time, const ct_hparam *hparams, size_t nh, const char *const *metric_names,
                             size_t nm, ct__bytes out[3]) {
  hparam_parts parts;
  memset(out, 0, 3 * sizeof *out);
  if (!alloc_parts(&parts, nh, nm)) {
    free_parts(&parts);
    return ct__error(CT_ERR_MEMORY, "add_hparams: out of memory");
  }
  fill_parts(&parts, hparams, nh, metric_names, nm);

  Ctorch__Tb__Experiment experiment = CTORCH__TB__EXPERIMENT__INIT;
  experiment.n_hparam_infos = nh;
  experiment.hparam_infos = parts.info_ptrs;
  experiment.n_metric_infos = nm;
  experiment.metric_infos = parts.metric_ptrs;
  Ctorch__Tb__SessionStartInfo start = CTORCH__TB__SESSION_START_INFO__INIT;
  start.n_hparams = nh;
  start.hparams = parts.entry_ptrs;
  Ctorch__Tb__SessionEndInfo end = CTORCH__TB__SESSION_END_INFO__INIT;
  end.status = CTORCH__TB__SESSION_END_INFO__STATUS__STATUS_SUCCESS;

  Ctorch__Tb__HParamsPluginData data[3];
  for (int i = 0; i < 3; i++) ctorch__tb__hparams_plugin_data__init(&data[i]); // version 0
  data[0].data_case = CTORCH__TB__HPARAMS_PLUGIN_DATA__DATA_EXPERIMENT;
  data[0].experiment = &experiment;
  data[1].data_case = CTORCH__TB__HPARAMS_PLUGIN_DATA__DATA_SESSION_START_INFO;
  data[1].session_start_info = &start;
  data[2].data_case = CTORCH__TB__HPARAMS_PLUGIN_DATA__DATA_SESSION_END_INFO;
  data[2].session_end_info = &end;
  static const char *const tags[3] = {"_hparams_/experiment", "_hparams_/session_start_info",
                                      "_hparams_/session_end_info"};
  ct_status st = CT_OK;
  for (int i = 0; i < 3 && st == CT_OK; i++) st = hparams_event(wall_time, tags[i], &data[i], &out[i]);
  free_parts(&parts);
  if (st != CT_OK)
    for (int i = 0; i < 3; i++) free(out[i].data);
  return st;
}
