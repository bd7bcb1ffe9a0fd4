# pinger-lab: what the textbook's UDPPingerServer simulates by itself (it drops about 30% of the
# pings it receives): the link drops 30% of the pings on their way to the server, with a few
# milliseconds of delay each way and nothing duplicated, so that every reply answers its own ping.
up: delay 5ms loss 30%
down: delay 5ms
seed: 1
