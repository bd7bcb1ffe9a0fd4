// linkd's alarm for held frames on the native data plane: a timerfd the thread's event loop polls.
// libuv's timers count whole milliseconds, so a frame held for 10 ms would leave up to 1 ms late;
// Node's plane therefore sleeps until just before a deadline and polls the last 1.5 ms (its loop
// spins). Under a bulk transfer through a delay some frame is always that close to its time, so
// each direction's thread spun (linkd 1.0-1.1 cores for 1.1 Gbit/s through 10 ms on this lab's
// machine, 0.6 sleeping on this alarm instead), taking the CPU from the programs at the link's
// ends. A timerfd wakes the loop at a time given to the nanosecond and costs nothing while it
// waits; when to poll and when to sleep on it is the queue's choice (timer-queue.ts).
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "addon.h"

typedef struct {
  int fd;
  uv_poll_t poll;
  int polling;
  int handle_open;
  int finalized;
  napi_env env;
  napi_ref on_fire;
  napi_async_context async;
} alarm_t;

static void on_closed(uv_handle_t *h) {
  alarm_t *a = h->data;
  a->handle_open = 0;
  if (a->finalized) free(a);
}

static void shut(napi_env env, alarm_t *a) {
  if (a->polling) {
    a->polling = 0;
    a->handle_open = 1;
    uv_poll_stop(&a->poll);
    uv_close((uv_handle_t *)&a->poll, on_closed);
  }
  if (env != NULL && a->on_fire != NULL) napi_delete_reference(env, a->on_fire);
  if (env != NULL && a->async != NULL) napi_async_destroy(env, a->async);
  a->on_fire = NULL;
  a->async = NULL;
  if (a->fd >= 0) close(a->fd);
  a->fd = -1;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  alarm_t *a = data;
  // Its thread ended without closing it: the references go with the environment.
  a->on_fire = NULL;
  a->async = NULL;
  shut(NULL, a);
  a->finalized = 1;
  if (!a->handle_open) free(a);
}

static void on_expired(uv_poll_t *h, int status, int events) {
  (void)events;
  alarm_t *a = h->data;
  if (status < 0 || a->fd < 0) return;
  uint64_t expirations;
  // EAGAIN: disarmed or re-armed since the wake-up; nothing is due on its account.
  if (read(a->fd, &expirations, sizeof expirations) != sizeof expirations) return;
  napi_env env = a->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  call_js(env, a->async, a->on_fire, 0, NULL);
  napi_close_handle_scope(env, scope);
}

// The alarm a call names in its first argument (of `n`), NULL once it is closed (arming a closed
// alarm does nothing) or where it is not one (a TypeError is pending).
static alarm_t *alarm_arg(napi_env env, napi_callback_info info, napi_value *argv, size_t n) {
  size_t argc = n;
  void *p = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < n) return NULL;
  if (napi_get_value_external(env, argv[0], &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, NULL, "batch-udp: not an alarm handle");
    return NULL;
  }
  alarm_t *a = p;
  return a->fd < 0 ? NULL : a;
}

// alarmOpen(onFire) -> handle, or a negative errno. onFire runs on this thread's loop.
static napi_value js_alarm_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return NULL;
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) {
    napi_create_int32(env, -errno, &out);
    return out;
  }
  alarm_t *a = calloc(1, sizeof *a);
  uv_loop_t *loop = NULL;
  napi_value name;
  if (a == NULL || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &a->poll, fd) != 0) {
    free(a);
    close(fd);
    napi_create_int32(env, -ENOMEM, &out);
    return out;
  }
  a->fd = fd;
  a->env = env;
  a->poll.data = a;
  napi_create_reference(env, argv[0], 1, &a->on_fire);
  napi_create_string_utf8(env, "socklab.alarm", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &a->async);
  uv_poll_start(&a->poll, UV_READABLE, on_expired);
  a->polling = 1;
  napi_create_external(env, a, finalize, NULL, &out);
  return out;
}

// alarmArm(handle, delayMs): fires once, delayMs from now (at once, on the next turn, if <= 0);
// replaces any earlier setting.
static napi_value js_alarm_arm(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  alarm_t *a = alarm_arg(env, info, argv, 2);
  if (a == NULL) return NULL;
  double ms = 0;
  napi_get_value_double(env, argv[1], &ms);
  // 0 would disarm: the earliest a timerfd fires is 1 ns from now.
  int64_t ns = ms > 0 ? (int64_t)(ms * 1e6) : 0;
  if (ns < 1) ns = 1;
  struct itimerspec t = {.it_value = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000}};
  timerfd_settime(a->fd, 0, &t, NULL);
  return NULL;
}

// alarmStop(handle): disarmed until armed again.
static napi_value js_alarm_stop(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  alarm_t *a = alarm_arg(env, info, argv, 1);
  if (a == NULL) return NULL;
  struct itimerspec t = {0};
  timerfd_settime(a->fd, 0, &t, NULL);
  return NULL;
}

// alarmClose(handle): closed for good (the thread's loop can end).
static napi_value js_alarm_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  alarm_t *a = alarm_arg(env, info, argv, 1);
  if (a != NULL) shut(env, a);
  return NULL;
}

void alarm_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"alarmOpen", NULL, js_alarm_open, NULL, NULL, NULL, napi_default, NULL},
      {"alarmArm", NULL, js_alarm_arm, NULL, NULL, NULL, napi_default, NULL},
      {"alarmStop", NULL, js_alarm_stop, NULL, NULL, NULL, napi_default, NULL},
      {"alarmClose", NULL, js_alarm_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
