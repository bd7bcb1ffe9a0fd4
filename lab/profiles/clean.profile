# clean: no impairment at all; what the programs do when nothing goes wrong.
impair: none
seed: 1
