"""diskfault — disk faults for one node of a test cluster.

* SmallDisk: a small file system mounted at a node's data dir (tmpfs of a
  given size), and a filler file that takes all its free space and is
  deleted again ("the disk is full" / "space is back").
* The slow-disk shim (libslowdisk.so, tests/fault/slowdisk.c) is driven by
  a control file; set_disk_delay() writes it.

Mounting needs root (CI runs as root). Where mounting is impossible,
skip() ends the test with meson's "skipped" status (77) and the reason.
Everything mounted is unmounted by umount() (lazily if still busy), which
the tests call from run_test's cleanup hook, whatever happened.

Python 3 standard library only.
"""
import errno
import os
import subprocess
import sys
import threading
import time

SKIP = 77  # meson: the test was skipped


def skip(reason):
    print(f"SKIP: {reason}", flush=True)
    sys.exit(SKIP)


class SmallDisk:
    """A tmpfs of size_mb MiB mounted at path (created if need be).

    tmpfs rather than a loop-mounted ext4: it needs no loop device (some
    CI kernels have none), and raft_uv 0.15 behaves the same where it
    matters: segment files are preallocated with fallocate(), which fails
    with ENOSPC on a full tmpfs exactly as on ext4 (raft_uv's probe turns
    O_DIRECT off on tmpfs; writes then go through its thread pool)."""

    def __init__(self, path, size_mb):
        self.path = path
        self.size_mb = size_mb
        self.mounted = False
        self.filler = os.path.join(path, "zz-filler")

    def mount(self):
        if os.geteuid() != 0:
            skip("mounting a small file system needs root")
        os.makedirs(self.path, exist_ok=True)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o",
                            f"size={self.size_mb}m,mode=0750", "tmpfs", self.path],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            skip(f"cannot mount a tmpfs at {self.path}: {p.stdout.strip()}")
        self.mounted = True

    def umount(self):
        if not self.mounted:
            return
        p = subprocess.run(["umount", self.path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            # Still busy (a node that did not stop): detach it now; the
            # kernel frees it when the last file is closed.
            subprocess.run(["umount", "-l", self.path], check=True)
        self.mounted = False

    def free_bytes(self):
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def fill(self, leave_bytes=0):
        """Take the free space (all but leave_bytes) with a filler file;
        returns the bytes written."""
        chunk = b"\0" * (1 << 20)
        written = 0
        with open(self.filler, "ab") as f:
            while True:
                room = self.free_bytes() - leave_bytes
                if room <= 0:
                    break
                try:
                    f.write(chunk[:min(len(chunk), room)])
                    f.flush()
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
                written += min(len(chunk), room)
        return written

    def start_filling(self, interval=0.02):
        """Keep the disk full: take the free space now and whatever is
        freed later (raft_uv deletes old segments after each snapshot),
        until stop_filling(). Returns the bytes taken at once."""
        first = self.fill()
        self._stop = threading.Event()

        def run():
            while not self._stop.wait(interval):
                try:
                    self.fill()
                except OSError:
                    pass
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return first

    def stop_filling(self):
        """Stop topping up and delete the filler: the space is back."""
        if getattr(self, "_thread", None) is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        self.unfill()

    def unfill(self):
        try:
            os.unlink(self.filler)
        except FileNotFoundError:
            pass


def set_disk_delay(control_path, delay_ms):
    """Tell libslowdisk.so (in the node started with it) to delay each
    durable write by delay_ms (0: no delay). Takes effect at the next write."""
    tmp = control_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{int(delay_ms)}\n")
    os.replace(tmp, control_path)
