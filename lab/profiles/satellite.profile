# satellite: a geostationary hop. A quarter of a second each way, a little jitter, rare loss:
# TCP is slow to start and slow to recover; the pinger's one-second timeout is just enough.
impair: delay 250ms 5ms loss 0.5%
seed: 11
