// The parts of linkd's native data plane, one file each, put together in one addon (batch-udp.c's
// init calls each part's).
#pragma once
#include <node_api.h>

// alarm.c: alarmOpen, alarmArm, alarmStop, alarmClose.
void alarm_init(napi_env env, napi_value exports);
