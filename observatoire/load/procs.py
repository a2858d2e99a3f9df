"""The server processes behind a loopback port, and their memory, read from /proc (Linux).

The process listening on the URL's port is the server; when it is nginx (`make serve`), the app processes are
the ones listening on the upstream ports of the configuration it was started with (`-c FILE`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

PROC = Path("/proc")
LISTEN = "0A"


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def listeners(port: int) -> list[int]:
    """Ids of the processes holding a listening socket on `port` (those this user may inspect)."""
    inodes = _listening_inodes(port)
    found = []
    if not inodes:
        return found
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            found.append(int(entry.name))
    return sorted(found)


def _cmdline(pid: int) -> list[str]:
    try:
        # nginx rewrites its arguments into one string ("nginx: master process nginx -p … -c …")
        return (PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split()
    except OSError:
        return []


def upstream_ports(config: Path) -> list[int]:
    """The `server 127.0.0.1:PORT` lines of an nginx configuration."""
    try:
        text = config.read_text()
    except OSError:
        return []
    return [int(p) for p in re.findall(r"^\s*server\s+127\.0\.0\.1:(\d+)", text, flags=re.MULTILINE)]


def server_processes(port: int) -> list[int]:
    """The app processes serving `port`: its listeners, or nginx's upstreams' listeners."""
    pids = listeners(port)
    app = []
    for pid in pids:
        args = _cmdline(pid)
        if args and "nginx" in Path(args[0]).name:
            prefix = Path(args[args.index("-p") + 1]) if "-p" in args else Path("/")
            config = Path(args[args.index("-c") + 1]) if "-c" in args else Path("/etc/nginx/nginx.conf")
            for upstream in upstream_ports(config if config.is_absolute() else prefix / config):
                app += listeners(upstream)
        else:
            app.append(pid)
    # nginx workers share the master's socket: keep only app processes, once each.
    return sorted({p for p in app if "nginx" not in Path((_cmdline(p) or [""])[0]).name})


def rss_bytes(pids: list[int]) -> int:
    """Resident memory of these processes, summed (VmRSS from /proc/PID/status)."""
    total = 0
    for pid in pids:
        try:
            for line in (PROC / str(pid) / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time these processes used so far (/proc/PID/stat, clock ticks)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])   # utime, stime (fields 14 and 15 of stat)
    return total / tick
