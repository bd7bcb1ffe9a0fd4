# congested: an uplink squeezed to 2 Mbit/s with a short queue, as in a shared dorm network;
# the queue fills and drops, and delay grows with the load. The reply path is fast.
up: delay 20ms 5ms rate 2mbit limit 50 loss 1%
down: delay 20ms 5ms loss 1%
seed: 13
