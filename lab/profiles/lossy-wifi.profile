# lossy-wifi: a busy Wi-Fi cell. A few milliseconds with jitter, random loss, the odd duplicate
# (link-layer retries whose acknowledgement was lost).
impair: delay 4ms 2ms loss 5% duplicate 1%
seed: 7
