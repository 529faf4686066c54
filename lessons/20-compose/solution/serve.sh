#!/bin/sh
# The container's PID 1. The kernel gives PID 1 no default action for SIGTERM, so it says what to do: without
# the trap, `docker compose down` would wait its 10 seconds and then kill.
trap 'exit 0' TERM
httpd -f -p 8000 -h /www &
echo "listening on port 8000"
wait
