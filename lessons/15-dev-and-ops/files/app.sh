#!/bin/sh
# The shop: one image for every environment; the environment configures it.
price() { echo $(( $1 * 119 / 100 )); }
if [ "$1" = price ]; then price "$2"; exit; fi
echo "shop in ${APP_ENV:-development}, database ${DB_URL:-none}"
echo "a 100 EUR item costs $(price 100) EUR with tax"
# DB_URL is redis://HOST:PORT: count this start there, waiting up to a minute for the database to be up
if [ -n "$DB_URL" ]; then
  addr=${DB_URL#redis://}
  for try in $(seq 60); do
    starts=$(printf 'INCR shop:starts\r\nQUIT\r\n' | nc ${addr%:*} ${addr##*:} 2>/dev/null | head -n 1 | tr -d ':\r')
    [ -n "$starts" ] && break
    sleep 1
  done
  echo "the database counts this start as number ${starts:-? (it never answered)}"
fi
exec sleep 100000
