#!/bin/sh
# The shop: one image for every environment; the environment configures it.
price() { echo $(( $1 * 119 / 100 )); }
if [ "$1" = price ]; then price "$2"; exit; fi
echo "shop in ${APP_ENV:-development}, database ${DB_URL:-sqlite:///tmp/dev.db}"
echo "a 100 EUR item costs $(price 100) EUR with tax"
exec sleep 100000
