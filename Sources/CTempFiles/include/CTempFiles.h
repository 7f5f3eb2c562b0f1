#ifndef PAYPLAN_CTEMPFILES_H
#define PAYPLAN_CTEMPFILES_H

// Temporary files that must not outlive an interrupted run.
//
// AtomicFileWriter writes each output to a hidden temporary file beside the
// target and renames it into place. If the process is stopped by SIGINT,
// SIGTERM, SIGHUP or SIGQUIT before the rename, those files (full payroll
// data) would stay behind. Every temporary file is therefore listed in a
// fixed table *before* it is created, and a signal handler removes the listed
// files with async-signal-safe calls only (unlink), then re-raises the signal
// with its default disposition so the exit status still says what happened.
//
// This is C because a signal handler may touch nothing but plain memory and
// async-signal-safe functions: no allocation, no locks, no reference counts.

// Creates a new file from `path_template`, whose last six characters are
// `XXXXXX` (replaced in place by random letters and digits), with
// O_CREAT|O_EXCL and mode 0600, registered for removal on those signals.
// Returns the descriptor, or -1 with errno set. `*slot` receives the
// registration to pass to `payplan_temp_forget` once the file was renamed or
// removed (-1 when the table is full: the file is then not cleaned on a signal).
int payplan_temp_create(char *path_template, int *slot);

// Ends a registration (after the file was renamed into place or unlinked).
void payplan_temp_forget(int slot);

// Installs the handler for SIGINT, SIGTERM, SIGHUP and SIGQUIT, except for
// signals the process was started with ignored (nohup, background jobs).
void payplan_temp_remove_on_signals(void);

// The process umask, read without changing it where the system allows
// (/proc/self/status on Linux); elsewhere read by setting and restoring it.
unsigned payplan_process_umask(void);

#endif
