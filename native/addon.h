// The parts of linkd's native data plane, one file each, put together in one addon (batch-udp.c's
// init calls each part's).
#pragma once
#include <node_api.h>

// batch-udp.c: calls a JavaScript function from the event loop (inside the caller's handle scope);
// its microtasks run when it returns, and an exception it throws is fatal, as an uncaught one.
void call_js(napi_env env, napi_async_context async, napi_ref fn, size_t argc, napi_value *argv);

// alarm.c: alarmOpen, alarmArm, alarmStop, alarmClose.
void alarm_init(napi_env env, napi_value exports);

// realtime.c: realtime.
void realtime_init(napi_env env, napi_value exports);
