# bursty: loss in bursts, Gilbert–Elliott style. From the good state the link turns bad with
# 5% chance per packet, and recovers with 30%; in the bad state 80% of packets are lost, in the
# good state none. Long-run loss ≈ 11% per direction, but it comes in runs.
impair: loss gemodel 5% 30% 80% 0%
seed: 17
