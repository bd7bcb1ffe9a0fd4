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
#define _GNU_SOURCE  // recvmmsg, sendmmsg
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define MAX_ROUNDS 16
// A VXLAN frame is at most the lab's MTU plus its headers; a slot holds any UDP datagram, so a
// frame larger than the MTU arrives whole, as with dgram.
#define SLOT 65536
// Queued sends: this much copied data, or BATCH frames, and the queue is sent at once.
#define SEND_ARENA (BATCH * 2048)

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
  unsigned char *rslots;
  // Send: frames copied into one arena, with their destinations.
  struct mmsghdr smsgs[BATCH];
  struct iovec siov[BATCH];
  struct sockaddr_in sto[BATCH];
  unsigned char *sarena;
  size_t sused;
  int squeued;
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

// open(receiveBufferBytes, sendBufferBytes, reuseAddr) -> handle, or a negative errno
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t rbuf = 0, sbuf = 0;
  bool reuse = false;
  napi_get_value_int32(env, argv[0], &rbuf);
  napi_get_value_int32(env, argv[1], &sbuf);
  napi_get_value_bool(env, argv[2], &reuse);
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

// Hands one received batch to JavaScript: onBatch(bytes, meta, count).
static void deliver(sock_t *s, int n) {
  napi_env env = s->env;
  size_t total = 0;
  for (int i = 0; i < n; i++) total += s->rmsgs[i].msg_len;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  void *bytes = NULL;
  napi_value ab, metab, meta, cb, recv, argv[3], result;
  uint32_t *m = NULL;
  if (napi_create_arraybuffer(env, total > 0 ? total : 1, &bytes, &ab) != napi_ok ||
      napi_create_arraybuffer(env, (size_t)n * 4 * sizeof(uint32_t), (void **)&m, &metab) != napi_ok ||
      napi_create_typedarray(env, napi_uint32_array, (size_t)n * 4, metab, 0, &meta) != napi_ok) {
    napi_close_handle_scope(env, scope);
    return;
  }
  size_t off = 0;
  for (int i = 0; i < n; i++) {
    uint32_t len = s->rmsgs[i].msg_len;
    memcpy((unsigned char *)bytes + off, s->riov[i].iov_base, len);
    m[4 * i] = (uint32_t)off;
    m[4 * i + 1] = len;
    m[4 * i + 2] = ntohl(s->rfrom[i].sin_addr.s_addr);
    m[4 * i + 3] = ntohs(s->rfrom[i].sin_port);
    off += len;
  }
  argv[0] = ab;
  argv[1] = meta;
  argv[2] = num(env, n);
  napi_get_reference_value(env, s->on_batch, &cb);
  // make_callback wants an object for `this`; the handler does not use it.
  napi_get_global(env, &recv);
  // make_callback: JavaScript's microtasks (the send queue's flush) run when it returns.
  if (napi_make_callback(env, s->async, recv, cb, 3, argv, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
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

static void flush(sock_t *s) {
  int n = s->squeued, sent = 0;
  while (sent < n) {
    int r = sendmmsg(s->fd, s->smsgs + sent, (unsigned)(n - sent), 0);
    if (r > 0) {
      sent += r;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else {
      // The frame at `sent` failed (no route, say): counted, and the rest still go.
      s->send_errors++;
      s->last_send_errno = r < 0 ? errno : EIO;
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
    if (sendto(s->fd, data, len, 0, (struct sockaddr *)&to, sizeof to) < 0) {
      s->send_errors++;
      s->last_send_errno = errno;
    }
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
  struct msghdr *mh = &s->smsgs[i].msg_hdr;
  memset(mh, 0, sizeof *mh);
  mh->msg_name = &s->sto[i];
  mh->msg_namelen = sizeof s->sto[i];
  mh->msg_iov = &s->siov[i];
  mh->msg_iovlen = 1;
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
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_value batch;
  napi_create_uint32(env, BATCH, &batch);
  napi_set_named_property(env, exports, "batch", batch);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
