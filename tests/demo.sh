#!/bin/sh
# tests/demo.sh - `make demo`: hubwarden against the bundled local AWS
# simulator.  The first real version lands with the scan issue.
echo "demo: not available yet (it lands with 'hubwarden scan')"
exit 0
