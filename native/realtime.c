// A forwarding thread's real-time priority (thread-priority.ts says why linkd asks for one). Node
// can set a nice value (os.setPriority) but not a scheduling policy, so this is the one call it
// lacks: sched_setscheduler on the calling thread (Linux takes pid 0 as the caller's thread id).
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <sched.h>

#include "addon.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

// realtime(priority): the calling thread under SCHED_RR at `priority` (1-99); 0 when granted, the
// negative errno when refused (EPERM without CAP_SYS_NICE or without a real-time budget in the
// thread's cgroup). RESET_ON_FORK: anything it starts runs as an ordinary process.
static napi_value js_realtime(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t priority = 0;
  napi_value out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &priority) != napi_ok) {
    napi_throw_type_error(env, NULL, "realtime(priority): a whole number from 1 to 99");
    return NULL;
  }
  struct sched_param p = {.sched_priority = priority};
  int r = sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &p) == 0 ? 0 : -errno;
  napi_create_int32(env, r, &out);
  return out;
}

void realtime_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"realtime", NULL, js_realtime, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
