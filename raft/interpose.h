/* interpose — the libc function behind one this program defines for the
 * process (aio_defer.c: syscall; prealloc.c: posix_fallocate). */
#ifndef STRATUS_INTERPOSE_H
#define STRATUS_INTERPOSE_H

/* The next definition of name after ours (libc's). Aborts when there is
 * none: a static binary, which meson's link never makes. */
void *interpose_next(const char *name);

#endif
