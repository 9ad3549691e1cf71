// One event file (tensorboard's EventFileWriter): created with its file_version record,
// framed records queued in memory and written by count, by age and on request.
#ifndef CTORCH_SRC_TENSORBOARD_EVENT_FILE_H
#define CTORCH_SRC_TENSORBOARD_EVENT_FILE_H
#include "tensorboard/event.h"

typedef struct ct__event_file ct__event_file;

/// Seconds since the epoch, as Python's time.time().
double ct__wall_time(void);
/// Creates `dir` and its missing parents (mode 0777 before umask), as os.makedirs.
ct_status ct__make_dirs(const char *dir);

/// Creates dir (and parents) and `<dir>/events.out.tfevents.<%010d time>.<host>.<pid>.<n>
/// <suffix>`, n counting the files this process opened, and writes the file_version record.
ct__event_file *ct__event_file_open(const char *dir, int max_queue, double flush_secs, const char *suffix);
/// Frames `event` and queues it (taking its buffer, freed here even on failure); writes
/// the queue when max_queue records are pending or flush_secs have passed.
ct_status ct__event_file_add(ct__event_file *f, ct__bytes event);
/// Writes every queued record, each with one write call; on failure keeps the records
/// not written whole.
ct_status ct__event_file_flush(ct__event_file *f);
/// Flushes, closes and frees (the flush's status).
ct_status ct__event_file_close(ct__event_file *f);
/// The directory the file is in.
const char *ct__event_file_dir(const ct__event_file *f);
#endif
