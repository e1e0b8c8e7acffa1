// SPDX-License-Identifier: LGPL-2.1-or-later
// What modvirt-lxc-controller and modvirt-lxcd share: the controller's options and the
// line protocol on its private socket.  Plain C (no GLib) because the controller includes
// it: a controller runs beside every container, and its RSS budget (2 MiB) leaves no room
// for GLib's.
//
// The controller is started as
//   modvirt-lxc-controller --name N --root DIR --socket PATH --handshake-fd FD
//       [--init PATH] [--arg A]... [--env K=V]... [--workdir DIR]
//       [--bind SRC:DST[:ro]]... [--tmpfs DST:KIB]... [--uidmap IN:OUT:COUNT]...
//       [--gidmap IN:OUT:COUNT]... [--cap-drop N]... [--cgroup-join FILE]...
//       [--hostname NAME] [--veth PEER,NAME,MAC]...
// and answers on @FD one line before closing it: "ok PID CONSOLE\n" once init runs (PID is
// init's pid on the host, CONSOLE the host pty the container's console is), or
// "error MESSAGE\n" (then it has removed everything it made and exits 1).
//
// On the socket, each connection sends one command line and gets one reply line:
//   "info"          -> "ok PID CONSOLE"
//   "monitor"       -> "ok PID", then "restarted PID" after each reboot, and one line
//                      "exit REASON STATUS" when the container ends (REASON: shutdown,
//                      destroyed, crashed), then EOF
//   "stop term"     -> "ok": SIGTERM to init (an orderly shutdown if init handles it)
//   "stop kill"     -> "ok": SIGKILL to init; the container ends as destroyed
//   "reboot"        -> "ok": init is killed and started again in fresh namespaces
//   "console"       -> "ok", then the connection carries the console's bytes both ways
//                      (one at a time: a newer console connection ends the older one)
// Anything else gets "error ...".  Replies and commands are at most LXC_CTL_LINE_MAX bytes.
#pragma once

/* Longest command or reply line, newline included. */
#define LXC_CTL_LINE_MAX 1024

/* Reasons in "exit REASON STATUS". */
#define LXC_CTL_EXIT_SHUTDOWN "shutdown"
#define LXC_CTL_EXIT_DESTROYED "destroyed"
#define LXC_CTL_EXIT_CRASHED "crashed"
