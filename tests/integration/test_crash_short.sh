#!/bin/sh
# test_crash_short.sh - `make crashtest` in short for `make check`: one
# round of each kill moment (ingest, between a change and its
# verification, a BatchUpdateFindings, a bundle being written, a random
# time) with a fixed seed; the same checks (tests/crash/crashtest.sh).
# `make crashtest` runs CRASH_ROUNDS (100) of them.
CRASH_ROUNDS=5 CRASH_SEED=${CRASH_SEED:-7} exec "$(dirname "$0")/../crash/crashtest.sh"
