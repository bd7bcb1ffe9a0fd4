// linkd's batched data plane: a UDP socket that receives with recvmmsg and sends with sendmmsg,
// up to BATCH frames a system call, where Node's dgram makes one call per frame. Only the system
// calls are here: every frame's fate is still decided in TypeScript (direction-engine.ts), one by
// one and in arrival order, so the draws, the record and replay stay the same.
//
// It runs on the event loop of the thread that loads it (a forwarding worker): a uv_poll wakes it
// when the socket is readable, it drains up to MAX_ROUNDS batches and hands each to JavaScript as
// one ArrayBuffer (the frames' bytes, copied out of the receive slots) and one Uint32Array (per
// frame: offset, length, source address, source port). Sends are copied into a queue and leave
// in one sendmmsg when JavaScript flushes (once per turn of its loop) or when the queue is full.
//
// Where the kernel has them (Linux 4.18/5.0 on), the socket also takes UDP GRO on receive and
// UDP_SEGMENT on send: the kernel hands over up to 64 frames of one flow as one datagram and takes
// a run of equal-sized frames to one peer as one message, so its per-frame work (routing, the veth
// crossing) is done once per run. A coalesced datagram is split back here into its frames, each
// handed to JavaScript on its own: the fates, the draws and the record do not change. A send
// message holds only frames of one flush (frames that leave at the same moment); none waits.
#define _GNU_SOURCE  // recvmmsg, sendmmsg
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addon.h"

#define BATCH 64
#define MAX_ROUNDS 16
// A VXLAN frame is at most the lab's MTU plus its headers; a slot holds any UDP datagram, so a
// frame larger than the MTU arrives whole, as with dgram.
#define SLOT 65536
// Queued sends: this much copied data, or BATCH frames, and the queue is sent at once.
#define SEND_ARENA (BATCH * 2048)
// Older headers lack the offload options; the kernel refuses them where it lacks them.
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
// One UDP_SEGMENT message: at most this many frames (the kernel's limit on 5.x) and this many
// bytes (an IPv4 datagram's payload), each frame small enough to leave unfragmented on an
// Ethernet underlay (a bigger one goes on its own, as it always did).
#define GSO_MAX_FRAMES 64
#define GSO_MAX_BYTES 65000
#define GSO_MAX_FRAME 1472
// What the socket counts (added into JavaScript's Float64Array, if it gave one: track()), in the
// order of IO_COUNTS in src/link/control/relay-stats.ts.
enum {
  IO_RECV_CALLS,
  IO_RECV_DATAGRAMS,
  IO_RECV_FRAMES,
  IO_RECV_COALESCED,
  IO_RECV_TRUNCATED,
  IO_SEND_CALLS,
  IO_SEND_DATAGRAMS,
  IO_SEND_FRAMES,
  IO_COUNT
};

typedef struct {
  int fd;
  uv_poll_t poll;
  // The poll handle: started (polling), and closing until libuv's close callback (handle_open).
  int polling;
  int handle_open;
  // JavaScript let go of the socket: the struct goes once libuv has too.
  int finalized;
  napi_env env;
  napi_ref on_batch;
  napi_async_context async;
  // Receive: BATCH slots, each with its address.
  struct mmsghdr rmsgs[BATCH];
  struct iovec riov[BATCH];
  struct sockaddr_in rfrom[BATCH];
  // Each slot's control data: the UDP_GRO message with the size of a coalesced datagram's frames.
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } rctl[BATCH];
  unsigned char *rslots;
  // Offloads the kernel accepted: GRO on receive; GSO on send (cleared if a send refuses it).
  int gro;
  int gso;
  // Send: frames copied into one arena, with their destinations (sto, siov: one per frame); at
  // flush, runs of them become messages (smsgs, gsiov: one per message).
  struct mmsghdr smsgs[BATCH];
  struct iovec siov[BATCH];
  struct iovec gsiov[BATCH];
  int sframes[BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } sctl[BATCH];
  struct sockaddr_in sto[BATCH];
  unsigned char *sarena;
  size_t sused;
  int squeued;
  // JavaScript's counters (IO_COUNT doubles), kept alive by io_ref; NULL until track().
  double *io;
  napi_ref io_ref;
  // Errors of sends since JavaScript last asked (errno of the last one, and how many).
  uint32_t send_errors;
  int last_send_errno;
} sock_t;

#define CHECK(call)                                                      \
  do {                                                                   \
    if ((call) != napi_ok) {                                             \
      napi_throw_error(env, NULL, "batch-udp: " #call " failed");        \
      return NULL;                                                       \
    }                                                                    \
  } while (0)

static sock_t *unwrap(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, NULL, "batch-udp: not a socket handle");
    return NULL;
  }
  sock_t *s = p;
  if (s->fd < 0) {
    napi_throw_error(env, "EBADF", "batch-udp: the socket is closed");
    return NULL;
  }
  return s;
}

static void on_poll_closed(uv_handle_t *h) {
  sock_t *s = h->data;
  s->handle_open = 0;
  if (s->finalized) free(s);
}

// Stops and closes the poll handle (its memory is this struct's: freed after the callback).
static void stop_polling(sock_t *s) {
  if (!s->polling) return;
  s->polling = 0;
  s->handle_open = 1;
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_poll_closed);
}

static void release(sock_t *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  free(s->rslots);
  free(s->sarena);
  s->rslots = NULL;
  s->sarena = NULL;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  sock_t *s = data;
  // Never closed by JavaScript (its thread ended first): closed now, freed once libuv lets go.
  stop_polling(s);
  release(s);
  s->finalized = 1;
  if (!s->handle_open) free(s);
}

static napi_value num(napi_env env, double x) {
  napi_value v;
  napi_create_double(env, x, &v);
  return v;
}

static void count(sock_t *s, int what, double n) {
  if (s->io != NULL) s->io[what] += n;
}

// open(receiveBufferBytes, sendBufferBytes, reuseAddr, offload) -> handle, or a negative errno
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t rbuf = 0, sbuf = 0;
  bool reuse = false, offload = false;
  napi_get_value_int32(env, argv[0], &rbuf);
  napi_get_value_int32(env, argv[1], &sbuf);
  napi_get_value_bool(env, argv[2], &reuse);
  if (argc > 3) napi_get_value_bool(env, argv[3], &offload);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return num(env, -errno);
  int one = 1;
  if (reuse) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (rbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rbuf, sizeof rbuf);
  if (sbuf > 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sbuf, sizeof sbuf);
  sock_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    return num(env, -ENOMEM);
  }
  s->fd = fd;
  s->env = env;
  // A kernel without them refuses the option: the socket works frame by frame, as without.
  s->gro = offload && setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
  s->gso = offload;
  s->rslots = malloc((size_t)BATCH * SLOT);
  s->sarena = malloc(SEND_ARENA);
  if (s->rslots == NULL || s->sarena == NULL) {
    release(s);
    free(s);
    return num(env, -ENOMEM);
  }
  for (int i = 0; i < BATCH; i++) {
    s->riov[i].iov_base = s->rslots + (size_t)i * SLOT;
    s->riov[i].iov_len = SLOT;
  }
  napi_value handle;
  CHECK(napi_create_external(env, s, finalize, NULL, &handle));
  return handle;
}

// bind(handle, addressU32, port) -> the bound port, or a negative errno
static napi_value js_bind(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  uint32_t addr = 0, port = 0;
  napi_get_value_uint32(env, argv[1], &addr);
  napi_get_value_uint32(env, argv[2], &port);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  sa.sin_addr.s_addr = htonl(addr);
  if (bind(s->fd, (struct sockaddr *)&sa, sizeof sa) < 0) return num(env, -errno);
  socklen_t len = sizeof sa;
  if (getsockname(s->fd, (struct sockaddr *)&sa, &len) < 0) return num(env, -errno);
  return num(env, ntohs(sa.sin_port));
}

// The size of the frames a coalesced datagram holds (UDP_GRO's control message), or 0.
static int gro_size(struct msghdr *mh) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int size = 0;
      memcpy(&size, CMSG_DATA(c), sizeof size);
      return size;
    }
  }
  return 0;
}

// How many frames datagram i holds (its length split in gro-sized pieces), 0 if it is dropped.
static uint32_t frames_in(sock_t *s, int i, uint32_t *size) {
  struct msghdr *mh = &s->rmsgs[i].msg_hdr;
  uint32_t len = s->rmsgs[i].msg_len;
  // Cut short by the slot (a datagram larger than any UDP payload): counted, never half-handled.
  if (mh->msg_flags & MSG_TRUNC) {
    count(s, IO_RECV_TRUNCATED, 1);
    return 0;
  }
  int g = gro_size(mh);
  *size = (g > 0 && (uint32_t)g < len) ? (uint32_t)g : len;
  if (*size == 0) return 1;  // an empty datagram is one (empty) frame, as dgram gives it
  uint32_t n = (len + *size - 1) / *size;
  if (n > 1) count(s, IO_RECV_COALESCED, 1);
  return n;
}

void call_js(napi_env env, napi_async_context async, napi_ref fn, size_t argc, napi_value *argv) {
  napi_value cb, recv, result;
  napi_get_reference_value(env, fn, &cb);
  // make_callback wants an object for `this`; the handlers do not use it.
  napi_get_global(env, &recv);
  // make_callback: JavaScript's microtasks (the send queue's flush) run when it returns.
  if (napi_make_callback(env, async, recv, cb, argc, argv, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
}

// Hands one received batch to JavaScript: onBatch(bytes, meta, count), one meta entry per frame
// (a coalesced datagram's frames each have their own, in the order they were sent).
static void deliver(sock_t *s, int n) {
  napi_env env = s->env;
  size_t total = 0;
  uint32_t frames = 0;
  uint32_t nframes[BATCH], sizes[BATCH];
  for (int i = 0; i < n; i++) {
    nframes[i] = frames_in(s, i, &sizes[i]);
    frames += nframes[i];
    if (nframes[i] > 0) total += s->rmsgs[i].msg_len;
  }
  count(s, IO_RECV_CALLS, 1);
  count(s, IO_RECV_DATAGRAMS, n);
  count(s, IO_RECV_FRAMES, frames);
  if (frames == 0) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  void *bytes = NULL;
  napi_value ab, metab, meta, argv[3];
  uint32_t *m = NULL;
  if (napi_create_arraybuffer(env, total > 0 ? total : 1, &bytes, &ab) != napi_ok ||
      napi_create_arraybuffer(env, (size_t)frames * 4 * sizeof(uint32_t), (void **)&m, &metab) != napi_ok ||
      napi_create_typedarray(env, napi_uint32_array, (size_t)frames * 4, metab, 0, &meta) != napi_ok) {
    napi_close_handle_scope(env, scope);
    return;
  }
  size_t off = 0;
  uint32_t k = 0;
  for (int i = 0; i < n; i++) {
    if (nframes[i] == 0) continue;
    uint32_t len = s->rmsgs[i].msg_len;
    memcpy((unsigned char *)bytes + off, s->riov[i].iov_base, len);
    uint32_t addr = ntohl(s->rfrom[i].sin_addr.s_addr), port = ntohs(s->rfrom[i].sin_port);
    for (uint32_t f = 0, at = 0; f < nframes[i]; f++, at += sizes[i], k++) {
      m[4 * k] = (uint32_t)off + at;
      m[4 * k + 1] = len - at < sizes[i] ? len - at : sizes[i];
      m[4 * k + 2] = addr;
      m[4 * k + 3] = port;
    }
    off += len;
  }
  argv[0] = ab;
  argv[1] = meta;
  argv[2] = num(env, frames);
  call_js(env, s->async, s->on_batch, 3, argv);
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  sock_t *s = h->data;
  if (status < 0 || s->fd < 0) return;
  for (int round = 0; round < MAX_ROUNDS && s->fd >= 0; round++) {
    for (int i = 0; i < BATCH; i++) {
      struct msghdr *mh = &s->rmsgs[i].msg_hdr;
      memset(mh, 0, sizeof *mh);
      mh->msg_name = &s->rfrom[i];
      mh->msg_namelen = sizeof s->rfrom[i];
      mh->msg_iov = &s->riov[i];
      mh->msg_iovlen = 1;
      if (s->gro) {
        mh->msg_control = s->rctl[i].buf;
        mh->msg_controllen = sizeof s->rctl[i].buf;
      }
      s->rmsgs[i].msg_len = 0;
    }
    int n = recvmmsg(s->fd, s->rmsgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) break;  // EAGAIN: drained; another error: libuv wakes again if it persists
    deliver(s, n);
    if (n < BATCH) break;
  }
}

// start(handle, onBatch): receiving begins.
static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = unwrap(env, argv[0]);
  if (s == NULL || s->polling) return NULL;
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  CHECK(napi_create_reference(env, argv[1], 1, &s->on_batch));
  napi_value name;
  CHECK(napi_create_string_utf8(env, "socklab.batchUdp", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &s->async));
  if (uv_poll_init(loop, &s->poll, s->fd) != 0) {
    napi_throw_error(env, NULL, "batch-udp: uv_poll_init failed");
    return NULL;
  }
  s->poll.data = s;
  uv_poll_start(&s->poll, UV_READABLE, on_readable);
  s->polling = 1;
  return NULL;
}

// Frames i.. that may leave as one UDP_SEGMENT message: to the same peer, of the first one's size
// (the last may be shorter), within the kernel's limits. 1 where GSO is off.
static int run_from(sock_t *s, int i) {
  size_t size = s->siov[i].iov_len;
  if (!s->gso || size == 0 || size > GSO_MAX_FRAME) return 1;
  int j = i + 1;
  size_t bytes = size;
  while (j < s->squeued && j - i < GSO_MAX_FRAMES) {
    size_t len = s->siov[j].iov_len;
    if (len == 0 || len > size || bytes + len > GSO_MAX_BYTES ||
        s->sto[j].sin_addr.s_addr != s->sto[i].sin_addr.s_addr || s->sto[j].sin_port != s->sto[i].sin_port)
      break;
    bytes += len;
    j++;
    if (len < size) break;  // a shorter frame ends a run
  }
  return j - i;
}

// Message k: frames from `first`, `frames` of them (contiguous in the arena: sends append).
static void build_message(sock_t *s, int k, int first, int frames) {
  struct msghdr *mh = &s->smsgs[k].msg_hdr;
  memset(mh, 0, sizeof *mh);
  size_t bytes = 0;
  for (int f = first; f < first + frames; f++) bytes += s->siov[f].iov_len;
  s->gsiov[k].iov_base = s->siov[first].iov_base;
  s->gsiov[k].iov_len = bytes;
  s->sframes[k] = frames;
  mh->msg_name = &s->sto[first];
  mh->msg_namelen = sizeof s->sto[first];
  mh->msg_iov = &s->gsiov[k];
  mh->msg_iovlen = 1;
  if (frames > 1) {
    mh->msg_control = s->sctl[k].buf;
    mh->msg_controllen = sizeof s->sctl[k].buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(mh);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    uint16_t size = (uint16_t)s->siov[first].iov_len;
    memcpy(CMSG_DATA(c), &size, sizeof size);
  }
}

static void send_failed(sock_t *s, int frames, int err) {
  s->send_errors += (uint32_t)frames;
  s->last_send_errno = err;
}

// A message the kernel refused as a segmented one: its frames go one by one (and GSO stays off
// where the kernel or the route cannot do it), so a frame is lost only if it alone is refused.
static void send_each(sock_t *s, int first, int frames, int err) {
  if (err == EINVAL || err == EIO || err == EOPNOTSUPP || err == ENOPROTOOPT) s->gso = 0;
  for (int f = first; f < first + frames; f++) {
    count(s, IO_SEND_CALLS, 1);
    if (sendto(s->fd, s->siov[f].iov_base, s->siov[f].iov_len, 0, (struct sockaddr *)&s->sto[f],
               sizeof s->sto[f]) < 0)
      send_failed(s, 1, errno);
    else
      count(s, IO_SEND_DATAGRAMS, 1);
  }
}

static void flush(sock_t *s) {
  int n = 0, first[BATCH];
  for (int i = 0; i < s->squeued; n++) {
    int frames = run_from(s, i);
    first[n] = i;
    build_message(s, n, i, frames);
    i += frames;
  }
  count(s, IO_SEND_FRAMES, s->squeued);
  int sent = 0;
  while (sent < n) {
    int r = sendmmsg(s->fd, s->smsgs + sent, (unsigned)(n - sent), 0);
    count(s, IO_SEND_CALLS, 1);
    if (r > 0) {
      count(s, IO_SEND_DATAGRAMS, r);
      sent += r;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else {
      // The message at `sent` failed (no route, say): its frames are counted, and the rest still go.
      int err = r < 0 ? errno : EIO;
      if (s->sframes[sent] > 1)
        send_each(s, first[sent], s->sframes[sent], err);
      else
        send_failed(s, 1, err);
      sent++;
    }
  }
  s->squeued = 0;
  s->sused = 0;
}

// send(handle, bytes: Uint8Array, addressU32, port): queued; sent at flush or when the queue is full.
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  napi_typedarray_type type;
  size_t len = 0;
  void *data = NULL;
  CHECK(napi_get_typedarray_info(env, argv[1], &type, &len, &data, NULL, NULL));
  uint32_t addr = 0, port = 0;
  napi_get_value_uint32(env, argv[2], &addr);
  napi_get_value_uint32(env, argv[3], &port);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  to.sin_addr.s_addr = htonl(addr);
  if (len > SEND_ARENA) {
    // Bigger than the whole queue (a jumbo datagram): the queue first, then it alone, in order.
    flush(s);
    count(s, IO_SEND_CALLS, 1);
    count(s, IO_SEND_FRAMES, 1);
    if (sendto(s->fd, data, len, 0, (struct sockaddr *)&to, sizeof to) < 0)
      send_failed(s, 1, errno);
    else
      count(s, IO_SEND_DATAGRAMS, 1);
    return NULL;
  }
  if (s->squeued == BATCH || s->sused + len > SEND_ARENA) flush(s);
  int i = s->squeued++;
  unsigned char *dst = s->sarena + s->sused;
  memcpy(dst, data, len);
  s->sused += len;
  s->sto[i] = to;
  s->siov[i].iov_base = dst;
  s->siov[i].iov_len = len;
  return NULL;
}

// flush(handle, out) -> 0, or the errno of the last failed send since the last flush (negative),
// with the failures' count in out[0] (a Uint32Array).
static napi_value js_flush(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  if (s->squeued > 0) flush(s);
  uint32_t errors = s->send_errors;
  int last = s->last_send_errno;
  s->send_errors = 0;
  s->last_send_errno = 0;
  if (argc > 1) {
    napi_typedarray_type type;
    size_t len = 0;
    void *data = NULL;
    if (napi_get_typedarray_info(env, argv[1], &type, &len, &data, NULL, NULL) == napi_ok &&
        type == napi_uint32_array && len >= 1)
      ((uint32_t *)data)[0] = errors;
  }
  return num(env, errors > 0 ? -last : 0);
}

// track(handle, counts: Float64Array of IO_COUNT or more): the socket adds what it does into it
// (system calls, datagrams, frames each way), a view on memory linkd's main thread reads.
static napi_value js_track(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  napi_typedarray_type type;
  size_t len = 0;
  void *data = NULL;
  CHECK(napi_get_typedarray_info(env, argv[1], &type, &len, &data, NULL, NULL));
  if (type != napi_float64_array || len < IO_COUNT) {
    napi_throw_type_error(env, NULL, "batch-udp: track wants a Float64Array of 8 or more");
    return NULL;
  }
  if (s->io_ref != NULL) napi_delete_reference(env, s->io_ref);
  CHECK(napi_create_reference(env, argv[1], 1, &s->io_ref));
  s->io = data;
  return NULL;
}

// offload(handle) -> 1 if UDP GRO is on, + 2 if UDP_SEGMENT is (until a send is refused it).
static napi_value js_offload(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  return num(env, (s->gro ? 1 : 0) + (s->gso ? 2 : 0));
}

// close(handle): stops receiving and closes the socket (what is queued is sent first).
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  if (s->squeued > 0) flush(s);
  // Closed here, not left to the finalizer: a thread's loop must end with no handle open.
  stop_polling(s);
  if (s->on_batch != NULL) {
    napi_delete_reference(env, s->on_batch);
    s->on_batch = NULL;
  }
  if (s->async != NULL) {
    napi_async_destroy(env, s->async);
    s->async = NULL;
  }
  if (s->io_ref != NULL) {
    napi_delete_reference(env, s->io_ref);
    s->io_ref = NULL;
    s->io = NULL;
  }
  close(s->fd);
  s->fd = -1;
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_default, NULL},
      {"start", NULL, js_start, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"flush", NULL, js_flush, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"track", NULL, js_track, NULL, NULL, NULL, napi_default, NULL},
      {"offload", NULL, js_offload, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_value batch;
  napi_create_uint32(env, BATCH, &batch);
  napi_set_named_property(env, exports, "batch", batch);
  alarm_init(env, exports);
  realtime_init(env, exports);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
