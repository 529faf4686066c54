#!/bin/sh
# The page, made for every visit: INCR hits in redis, in redis's own protocol over a TCP connection (nc).
# "redis" is the name of the other service; Compose's network resolves it to that container.
hits=$(printf 'INCR hits\r\nQUIT\r\n' | nc redis 6379 | head -n 1 | tr -d ':\r')
echo "visit number ${hits:-?} from $REMOTE_ADDR" >&2  # the container's log (httpd passes the CGI's stderr on)
echo "Content-Type: text/html"
echo
echo "<h1>Hello from Docker!</h1>"
echo "<p>I have been seen ${hits:-no} times.</p>"
