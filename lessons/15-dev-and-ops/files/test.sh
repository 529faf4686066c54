#!/bin/sh
# The shop's tests, run inside the image exactly as it will ship.
fail=0
check() {
  if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected $3, got $2"; fail=1; fi
}
check "100 EUR with tax" "$(sh /app/app.sh price 100)" 119
check "0 EUR with tax" "$(sh /app/app.sh price 0)" 0
exit $fail
